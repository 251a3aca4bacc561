/// Shell completion scripts generated from the command tree, so they never fall behind the commands: for each
/// command path (`""`, `cmdb`, `cmdb host`) the words that may follow it, subcommands and flags. Each script
/// walks the words typed so far, descending while a word names a subcommand of the current path, then offers
/// that path's words.
enum CompletionScripts {
    static let shells = ["bash", "zsh", "fish"]

    /// Every command path with its next words, outermost first.
    static func table(_ tree: CommandTree) -> [(path: String, words: [String])] {
        var rows: [(String, [String])] = [("", tree.all.map(\.name) + ["--help", "--version"])]
        func visit(_ c: CommandSpec, _ prefix: String) {
            let path = prefix.isEmpty ? c.name : "\(prefix) \(c.name)"
            var words = c.subcommands.map(\.name)
            for f in c.acceptedFlags where !words.contains("--\(f.name)") {
                words.append("--\(f.name)")
                if let s = f.short { words.append("-\(s)") }
            }
            rows.append((path, words))
            for s in c.subcommands { visit(s, path) }
        }
        for c in tree.all { visit(c, "") }
        return rows
    }

    static func script(for shell: String, tree: CommandTree) -> String? {
        let rows = table(tree)
        switch shell {
        case "bash": return bash(rows)
        case "zsh": return zsh(rows)
        case "fish": return fish(rows)
        default: return nil
        }
    }

    /// `case` arms shared by bash and zsh: the path in quotes, the words as one line.
    private static func caseArms(_ rows: [(path: String, words: [String])]) -> String {
        rows.map { "        \"\($0.path)\") echo \"\($0.words.joined(separator: " "))\" ;;" }.joined(separator: "\n")
    }

    private static func bash(_ rows: [(path: String, words: [String])]) -> String {
        """
        # platflow completion for bash: source it, or `platflow completion bash > /etc/bash_completion.d/platflow`
        _platflow_words() {
            case "$1" in
        \(caseArms(rows))
            esac
        }
        _platflow() {
            local cur="${COMP_WORDS[COMP_CWORD]}" path="" i w
            for ((i = 1; i < COMP_CWORD; i++)); do
                w="${COMP_WORDS[i]}"
                case "$w" in -*) continue ;; esac
                case " $(_platflow_words "$path") " in *" $w "*) path="${path:+$path }$w" ;; esac
            done
            COMPREPLY=($(compgen -W "$(_platflow_words "$path")" -- "$cur"))
            [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
            return 0
        }
        complete -o filenames -F _platflow platflow

        """
    }

    private static func zsh(_ rows: [(path: String, words: [String])]) -> String {
        """
        #compdef platflow
        # platflow completion for zsh: put it on $fpath as _platflow, or `source <(platflow completion zsh)`
        _platflow_words() {
            case "$1" in
        \(caseArms(rows))
            esac
        }
        _platflow() {
            local path_="" w i
            for ((i = 2; i < CURRENT; i++)); do
                w="${words[i]}"
                [[ "$w" == -* ]] && continue
                [[ " $(_platflow_words "$path_") " == *" $w "* ]] && path_="${path_:+$path_ }$w"
            done
            local -a next
            next=(${=$(_platflow_words "$path_")})
            compadd -- $next
            _files
        }
        if [[ "$funcstack[1]" == "_platflow" ]]; then _platflow "$@"; else compdef _platflow platflow; fi

        """
    }

    private static func fish(_ rows: [(path: String, words: [String])]) -> String {
        let arms = rows.map { "        case '\($0.path)'\n            printf '%s\\n' \($0.words.map { "'\($0)'" }.joined(separator: " "))" }
            .joined(separator: "\n")
        return """
            # platflow completion for fish: `platflow completion fish > ~/.config/fish/completions/platflow.fish`
            function __platflow_words
                switch "$argv[1]"
            \(arms)
                end
            end
            function __platflow_complete
                set -l path ''
                for w in (commandline -opc)[2..-1]
                    string match -q -- '-*' $w; and continue
                    if contains -- $w (__platflow_words "$path")
                        if test -z "$path"; set path $w; else; set path "$path $w"; end
                    end
                end
                __platflow_words "$path"
            end
            complete -c platflow -a '(__platflow_complete)'

            """
    }
}
