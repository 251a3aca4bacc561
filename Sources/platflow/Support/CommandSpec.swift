/// A command's flag as declared for parsing and for `--help`.
struct FlagSpec {
    let name: String
    var short: String? = nil
    /// The value's placeholder (`PATH`, `K=V`), or nil for a switch.
    var value: String? = nil
    var repeats = false
    let help: String
    var defaultText: String? = nil
}

/// One command of the CLI, or one subcommand of another (`cmdb`, `cmdb host`, `cmdb host add`): what
/// `platflow ... --help` prints, which flags its parser accepts, and what runs it.
///
/// A command is either a family, whose next word names one of its subcommands (recursively), or a leaf with an
/// action. Only the leaf's own flags and the global ones are accepted, so a flag of one subcommand given to its
/// sibling is an error rather than silently ignored.
struct CommandSpec {
    /// Runs a leaf command with its parsed words; what it throws is rendered by the dispatcher (see CLIError).
    typealias Action = (ParsedArguments, Terminal) throws -> Int32

    let name: String
    let summary: String
    /// Full usage lines (`platflow cmdb hosts [--where FILTER]`); a family's is generated from its name.
    let usage: [String]
    let flags: [FlagSpec]
    /// A family without examples of its own shows the first example of each subcommand.
    let examples: [String]
    var details: String? = nil
    /// False for commands that never open the database: they do not take --db.
    var opensDatabase = true
    let subcommands: [CommandSpec]
    let action: Action?

    /// A leaf: a command that runs.
    init(name: String, summary: String, usage: [String], flags: [FlagSpec], examples: [String], details: String? = nil,
         opensDatabase: Bool = true, action: @escaping Action) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.flags = flags
        self.examples = examples
        self.details = details
        self.opensDatabase = opensDatabase
        self.subcommands = []
        self.action = action
    }

    /// A family: its words name one of `subcommands`, and alone it prints its help (exit 2).
    init(name: String, summary: String, subcommands: [CommandSpec], examples: [String] = [], details: String? = nil,
         opensDatabase: Bool = true) {
        precondition(!subcommands.isEmpty, "the command family \(name) has no subcommands")
        precondition(Set(subcommands.map(\.name)).count == subcommands.count, "the command family \(name) names a subcommand twice")
        self.name = name
        self.summary = summary
        self.usage = []
        self.flags = []
        self.examples = examples
        self.details = details
        self.opensDatabase = opensDatabase
        self.subcommands = subcommands
        self.action = nil
    }

    var isFamily: Bool { !subcommands.isEmpty }

    /// This family with `other`'s subcommands after its own (the summary, examples and details of the first
    /// family stay); a subcommand both name stops the build (see the family initializer).
    func joining(_ other: CommandSpec) -> CommandSpec {
        CommandSpec(name: name, summary: summary, subcommands: subcommands + other.subcommands, examples: examples,
                    details: details, opensDatabase: opensDatabase || other.opensDatabase)
    }

    func subcommand(_ name: String) -> CommandSpec? { subcommands.first { $0.name == name } }

    /// The flags this command's parser accepts: its own, then the global ones.
    var acceptedFlags: [FlagSpec] { flags + GlobalFlags.specs(database: opensDatabase) }

    /// The examples `--help` shows: the command's own, or for a family one per subcommand.
    var shownExamples: [String] {
        if !examples.isEmpty || !isFamily { return examples }
        return subcommands.compactMap { $0.shownExamples.first }
    }
}

/// Flags every command accepts (--db only where the command opens the database).
enum GlobalFlags {
    static let help = FlagSpec(name: "help", short: "h", help: "show this help")
    static let noColor = FlagSpec(name: "no-color", help: "never colour the output (also: NO_COLOR=1)")
    static let quiet = FlagSpec(name: "quiet", short: "q", help: "print only results and errors (no step banners)")
    static let db = FlagSpec(name: "db", value: "PATH", help: "the database (also PLATFLOW_DB)",
                                defaultText: "the nearest .platflow/platflow.db from here up, else ./.platflow/platflow.db")

    static func specs(database: Bool) -> [FlagSpec] {
        database ? [help, noColor, quiet, db] : [help, noColor, quiet]
    }
}
