import PlatEngine

/// A module as this binary installs it: the module value (tables, effects, declarations, events) and the
/// command families that show it on the command line. The command types live in this target (they parse and
/// print, nothing more), so a module's commands are named here, beside the module, in main.swift's one list.
struct InstalledModule {
    let module: PlatModule
    let commands: [CommandSpec]

    init(_ module: PlatModule, commands: [CommandSpec] = []) {
        self.module = module
        self.commands = commands
    }
}
