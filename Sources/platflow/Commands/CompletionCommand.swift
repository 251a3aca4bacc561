import PlatLang

/// completion: shell completion scripts for bash, zsh and fish, written from the command tree of this build.
enum CompletionCommand {
    static func spec(for tree: CommandTree) -> CommandSpec {
        CommandSpec(
            name: "completion",
            summary: "Print a shell completion script for bash, zsh or fish, made from this build's commands.",
            usage: ["platflow completion bash|zsh|fish"],
            flags: [],
            examples: ["platflow completion bash > ~/.local/share/bash-completion/completions/platflow",
                       "platflow completion zsh > \"${fpath[1]}/_platflow\"",
                       "platflow completion fish > ~/.config/fish/completions/platflow.fish"],
            details: """
                The script completes commands, subcommands and flags at every level (`platflow cmdb host <TAB>`),
                and file names where no command word fits. It is generated from the commands this binary has, so
                regenerate it after an upgrade. For the current bash session only: source <(platflow completion bash).
                """,
            opensDatabase: false,
            action: { args, terminal in
                guard let shell = args.positional.first else {
                    throw UsageError("completion needs a shell", hint: "one of: \(CompletionScripts.shells.joined(separator: ", "))")
                }
                if args.positional.count > 1 { throw UsageError("completion takes one shell, got \(args.positional.count)") }
                guard let script = CompletionScripts.script(for: shell, tree: tree) else {
                    throw UsageError("unknown shell '\(shell)'",
                                     hint: closestName(to: shell, in: CompletionScripts.shells).map { "did you mean '\($0)'?" }
                                         ?? "one of: \(CompletionScripts.shells.joined(separator: ", "))")
                }
                terminal.out(script)
                return ExitCode.ok
            })
    }
}
