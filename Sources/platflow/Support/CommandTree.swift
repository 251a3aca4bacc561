import PlatLang

/// The commands of this build, listed once: dispatch, the overview (`platflow help`) and `help COMMAND` all read
/// it. It is a value: the CLI starts from the built-in commands and a module's family of commands joins it with
/// `add` (see main.swift).
struct CommandTree {
    private(set) var commands: [CommandSpec] = []

    init(_ commands: [CommandSpec]) {
        for c in commands { add(c) }
    }

    /// Adds a top-level command (a module's family, such as `cmdb`). A family whose name is taken by another
    /// family joins it: two modules may add verbs to one family (Release's `app history` beside Containers'
    /// `app scale`). Two commands of one name otherwise, or two verbs of one name in a family, are a mistake in
    /// the build, found by the first test that runs the binary.
    mutating func add(_ command: CommandSpec) {
        if let i = commands.firstIndex(where: { $0.name == command.name }), commands[i].isFamily, command.isFamily {
            commands[i] = commands[i].joining(command)
            return
        }
        precondition(!all.contains { $0.name == command.name }, "two commands are named '\(command.name)'")
        commands.append(command)
    }

    /// Every top-level command in the order the overview lists them: the commands added, then version and
    /// help, which every build has.
    var all: [CommandSpec] { commands + [CompletionCommand.spec(for: self), HelpCommand.versionSpec, HelpCommand.spec(for: self)] }

    /// The top-level command `name`; an unknown one is a usage error naming the closest.
    func command(named name: String) throws -> CommandSpec {
        let all = self.all
        if let c = all.first(where: { $0.name == name }) { return c }
        throw UsageError("unknown command '\(name)'",
                         hint: closestName(to: name, in: all.map(\.name)).map { "did you mean '\($0)'?" }
                             ?? "run `platflow help` for the list of commands")
    }

    /// The subcommand `word` of the family at the end of `path`; an unknown one is a usage error naming the
    /// closest.
    func subcommand(_ word: String, of path: [CommandSpec]) throws -> CommandSpec {
        let family = path[path.count - 1]
        if let c = family.subcommand(word) { return c }
        let names = family.subcommands.map(\.name)
        throw UsageError("unknown \(CommandTree.name(of: path)) command '\(word)'",
                         hint: closestName(to: word, in: names).map { "did you mean '\($0)'?" }
                             ?? "one of: \(names.joined(separator: ", "))")
    }

    /// The commands `words` name, outermost first (`["cmdb", "host", "add"]`).
    func path(_ words: [String]) throws -> [CommandSpec] {
        guard let first = words.first else { return [] }
        var path = [try command(named: first)]
        for word in words.dropFirst() {
            guard path[path.count - 1].isFamily else {
                throw UsageError("\(CommandTree.name(of: path)) has no subcommand '\(word)'",
                                 hint: "see `platflow \(CommandTree.name(of: path)) --help`")
            }
            path.append(try subcommand(word, of: path))
        }
        return path
    }

    /// The full names of the leaf commands that take `flag` (`--mapping` or `-f`), for the hint of a flag given
    /// to the wrong command.
    func commands(taking flag: String) -> [String] {
        var found: [String] = []
        func visit(_ c: CommandSpec, _ prefix: String) {
            let full = prefix.isEmpty ? c.name : "\(prefix) \(c.name)"
            if c.flags.contains(where: { "--\($0.name)" == flag || $0.short.map { "-\($0)" } == flag }) { found.append(full) }
            for s in c.subcommands { visit(s, full) }
        }
        for c in commands { visit(c, "") }
        return found
    }

    /// `cmdb host add` for the path of that command.
    static func name(of path: [CommandSpec]) -> String { path.map(\.name).joined(separator: " ") }
}
