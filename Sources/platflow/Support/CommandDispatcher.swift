import PlatLang

/// One command line from start to end: walks the words to the command they name (`platflow cmdb host add ...`),
/// parses that command's own flags and the global ones, runs it, and renders what it throws (see CLIError).
struct CommandDispatcher {
    let tree: CommandTree
    let terminal: Terminal

    /// The exit code of the command line `words` (the arguments after the program's name).
    func run(_ words: [String]) -> Int32 {
        do {
            return try dispatch(words)
        } catch {
            return terminal.report(error)
        }
    }

    private func dispatch(_ words: [String]) throws -> Int32 {
        guard let first = words.first, first != "--help", first != "-h" else {
            terminal.out(HelpCommand.overview(tree))
            return ExitCode.ok
        }
        if first == "--version" {
            terminal.out(HelpCommand.versionLine)
            return ExitCode.ok
        }
        let (path, args) = try resolve(words)
        if args.has("help") {
            terminal.out(HelpCommand.render(path))
            return ExitCode.ok
        }
        if args.has("quiet") { terminal.quiet = true }
        guard let action = path[path.count - 1].action else {
            // A family named without its subcommand: show what it offers.
            terminal.out(HelpCommand.render(path))
            return ExitCode.usage
        }
        return try action(args, terminal)
    }

    /// The command `words` name and its parsed arguments. While the command reached so far is a family, a word
    /// names its subcommand; flags are checked against the command reached when they appear, so a leaf accepts
    /// only its own flags and the global ones.
    func resolve(_ words: [String]) throws -> (path: [CommandSpec], args: ParsedArguments) {
        var path = [try tree.command(named: words[0])]
        var args = ParsedArguments()
        var next = 1
        var onlyPositional = false
        while next < words.count {
            let word = words[next]
            next += 1
            let current = path[path.count - 1]
            if word == "--" && !onlyPositional {
                onlyPositional = true
                continue
            }
            if onlyPositional || !word.hasPrefix("-") || word == "-" {
                if current.isFamily {
                    path.append(try tree.subcommand(word, of: path))
                } else {
                    args.positional.append(word)
                }
                continue
            }
            let reached = path
            try args.readFlag(word, accepted: current.acceptedFlags, words: words, next: &next) { unknownFlag($0, of: reached) }
        }
        return (path, args)
    }

    /// An unknown flag: the closest flag of this command if one is a likely typo, else the commands that take it.
    private func unknownFlag(_ flag: String, of path: [CommandSpec]) -> UsageError {
        let name = CommandTree.name(of: path)
        let message = "unknown flag '\(flag)' for '\(name)'"
        if let near = closestName(to: flag, in: path[path.count - 1].acceptedFlags.map { "--\($0.name)" }) {
            return UsageError(message, hint: "did you mean '\(near)'?")
        }
        let owners = tree.commands(taking: flag)
        if !owners.isEmpty {
            let shown = owners.prefix(3).map { "`platflow \($0)`" }.joined(separator: ", ") + (owners.count > 3 ? " and \(owners.count - 3) more" : "")
            return UsageError(message, hint: "\(flag) is a flag of \(shown); see `platflow \(name) --help`")
        }
        return UsageError(message, hint: "see `platflow \(name) --help`")
    }
}
