import PlatEngine

/// A module as this binary installs it: the module value (tables, effects, declarations, events) and the
/// command families that show it on the command line. The command types live in this target (they parse and
/// print, nothing more), so a module's commands are named here, beside the module, in main.swift's one list
/// (by name: a command's spec is built only when it is used, see CommandTree).
struct InstalledModule {
    let module: PlatModule
    let commands: [CommandTree.Entry]

    init(_ module: PlatModule, commands: [CommandTree.Entry] = []) {
        self.module = module
        self.commands = commands
    }
}
