import PlatLang

/// The commands of this build, listed once: dispatch, the overview (`platflow help`) and `help COMMAND` all read
/// it. It is a value: the CLI starts from the built-in commands and a module's family of commands joins it with
/// `add` (see main.swift).
///
/// A command is listed by name and built (its flags, help text and subcommands) only when it is needed: a command
/// line builds the one command it names, and only a listing (the overview, completion, a flag's owners) builds
/// them all. Building every spec before dispatching one cost a one-line `platflow run` about a tenth of its
/// instructions.
struct CommandTree {
    /// A top-level command before it is built: its name, and how to build its spec.
    struct Entry {
        let name: String
        let build: () -> CommandSpec

        init(_ name: String, _ build: @escaping @autoclosure () -> CommandSpec) {
            self.name = name
            self.build = build
        }
    }

    private var entries: [Entry] = []

    init(_ commands: [CommandSpec]) {
        for c in commands { add(c) }
    }

    /// Adds a top-level command (a module's family, such as `cmdb`). A family whose name is taken by another
    /// family joins it: two modules may add verbs to one family (Release's `app history` beside Containers'
    /// `app scale`). Two commands of one name otherwise, or two verbs of one name in a family, are a mistake in
    /// the build, found when the command is built: by the first test that runs it or lists the commands.
    mutating func add(_ entry: Entry) {
        precondition(!Self.lastNames.contains(entry.name), "two commands are named '\(entry.name)'")
        entries.append(entry)
    }

    mutating func add(_ command: CommandSpec) { add(Entry(command.name, command)) }

    /// The commands added, each built, in the order they were first added (families of one name joined).
    var commands: [CommandSpec] {
        var names: [String] = []
        for e in entries where !names.contains(e.name) { names.append(e.name) }
        return names.map { built(named: $0)! }
    }

    /// The command `name` built from its entries (a family that several modules add, joined), or nil.
    private func built(named name: String) -> CommandSpec? {
        var command: CommandSpec? = nil
        for e in entries where e.name == name {
            let next = e.build()
            precondition(next.name == name, "the command listed as '\(name)' is named '\(next.name)'")
            guard let first = command else {
                command = next
                continue
            }
            precondition(first.isFamily && next.isFamily, "two commands are named '\(name)'")
            command = first.joining(next)
        }
        return command
    }

    /// The commands every build has, listed after the commands added.
    private static let lastNames = ["completion", "version", "help"]

    /// Every top-level command in the order the overview lists them: the commands added, then version and
    /// help, which every build has.
    var all: [CommandSpec] { commands + [CompletionCommand.spec(for: self), HelpCommand.versionSpec, HelpCommand.spec(for: self)] }

    /// The top-level command `name`; an unknown one is a usage error naming the closest.
    func command(named name: String) throws -> CommandSpec {
        if let c = built(named: name) { return c }
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
