import Foundation

/// Looking through wrappers: `sudo`, `env`, `nice`, `xargs`, runners such as `flock` and `ssh HOST`, and
/// assignments before a command, to the command that really runs.
extension ShellChecker {
    static func isAssignment(_ t: String) -> Bool {
        guard let eq = t.firstIndex(of: "="), eq != t.startIndex else { return false }
        let name = t[..<eq].hasSuffix("+") ? t[..<eq].dropLast() : t[..<eq]
        guard let f = name.first, f == "_" || f.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }

    /// Looks through wrapper commands (`sudo -u root`, `env X=1`, `nice -n 5`, `xargs -0`, `timeout 10`) to the
    /// command they run. Returns nil when nothing runs (`command -v rm`).
    static func unwrap(_ words: [ShellWord], via: inout [String]) -> (String, [ShellWord])? {
        var rest = words[...]
        for _ in 0..<16 {
            guard let first = rest.first else { return nil }
            let name = commandName(first)
            var args = rest.dropFirst()
            // Options of the wrapper that take a value: the value is skipped with the option.
            let valued: Set<String>
            switch name {
            case "sudo", "doas": valued = ["-u", "-g", "-p", "-U", "-C", "-r", "-t", "-D", "-R", "-T", "-h"]
            case "nice": valued = ["-n"]
            case "ionice": valued = ["-c", "-n", "-p", "-P", "-u"]
            case "env": valued = ["-u", "-C", "-S"]
            case "exec": valued = ["-a"]
            case "stdbuf", "nohup", "builtin", "setsid", "busybox", "time", "unbuffer": valued = []
            case "command":
                if args.contains(where: { $0.literal == "-v" || $0.literal == "-V" }) { return nil }
                valued = []
            case "xargs": valued = ["-I", "-n", "-P", "-L", "-l", "-s", "-d", "-E", "-e", "-a", "--arg-file",
                                    "--delimiter", "--max-args", "--max-procs", "--max-lines", "--replace", "--eof"]
            case "timeout": valued = ["-s", "-k", "--signal", "--kill-after"]
            case "chrt", "taskset": valued = ["-p"]
            case "flock", "watch", "chroot", "unshare", "script", "systemd-run", "parallel", "ssh":
                guard let (inner, shownAs) = unwrapRunner(name, Array(args)) else { return nil }
                via.append(shownAs)
                rest = inner[...]
                continue
            default:
                return (name, Array(args))
            }
            via.append(name)
            while let a = args.first, let t = a.literal, t.hasPrefix("-") || (name == "env" && isAssignment(t)) {
                args = args.dropFirst()
                if t == "--" { break }
                if valued.contains(t) { args = args.dropFirst() }
            }
            // `nice 10 cmd` is not valid, but `timeout 10 cmd` and `chrt 5 cmd` take a value before the command.
            if name == "timeout" || name == "chrt" || name == "taskset", args.count > 1 { args = args.dropFirst() }
            if name == "env" {
                while let a = args.first, let t = a.literal, isAssignment(t) { args = args.dropFirst() }
            }
            rest = args
        }
        return nil
    }

    /// Commands that run a command given as their arguments or as shell text: the words of what they run
    /// (shell text becomes `sh -c TEXT`), or nil when nothing is run.
    static func unwrapRunner(_ name: String, _ args: [ShellWord]) -> ([ShellWord], String)? {
        func text(_ t: String, _ line: Int) -> ShellWord { ShellWord(segments: [.literal(t)], line: line, source: t) }
        func shell(_ script: String, _ line: Int) -> [ShellWord] { [text("sh", line), text("-c", line), text(script, line)] }
        func joined(_ ws: ArraySlice<ShellWord>) -> String { ws.map { $0.literal ?? $0.text }.joined(separator: " ") }
        func skipOptions(_ ws: ArraySlice<ShellWord>, valued: Set<String>) -> ArraySlice<ShellWord> {
            var rest = ws
            while let a = rest.first, let t = a.literal, t.hasPrefix("-"), t.count > 1 {
                rest = rest.dropFirst()
                if t == "--" { break }
                if valued.contains(t) { rest = rest.dropFirst() }
            }
            return rest
        }
        let line = args.first?.line ?? 0
        switch name {
        case "flock":
            var rest = skipOptions(args[...], valued: ["-w", "--timeout", "-E", "--conflict-exit-code"])
            rest = rest.dropFirst() // the lock file
            if let c = rest.first?.literal, c == "-c" || c == "--command", rest.count > 1 { return (shell(rest[rest.startIndex + 1].literal ?? rest[rest.startIndex + 1].text, line), "flock") }
            return rest.isEmpty ? nil : (Array(rest), "flock")
        case "watch":
            let rest = skipOptions(args[...], valued: ["-n", "--interval", "-d", "-q", "--equexit", "-s"])
            return rest.isEmpty ? nil : (shell(joined(rest), line), "watch")
        case "chroot":
            var rest = skipOptions(args[...], valued: [])
            rest = rest.dropFirst() // the new root
            return rest.isEmpty ? nil : (Array(rest), "chroot")
        case "unshare":
            let rest = skipOptions(args[...], valued: ["-S", "--setuid", "-G", "--setgroups", "-R", "--root", "-w", "--wd"])
            return rest.isEmpty ? nil : (Array(rest), "unshare")
        case "script":
            guard let c = optionValue(args, short: "c", long: "--command") else { return nil }
            return (shell(c.literal ?? c.text, line), "script -c")
        case "systemd-run":
            let rest = skipOptions(args[...], valued: ["-p", "--property", "-u", "--unit", "-M", "--machine", "-H", "--host",
                                                     "--uid", "--gid", "-E", "--setenv", "--description", "--slice",
                                                     "--on-calendar", "--on-active", "--working-directory", "--nice"])
            return rest.isEmpty ? nil : (Array(rest), "systemd-run")
        case "parallel":
            let rest = skipOptions(args[...], valued: ["-j", "--jobs", "-S", "--sshlogin", "--joblog", "-a", "--arg-file", "--delay", "--timeout"])
            guard let sep = rest.firstIndex(where: { [":::", "::::", ":::+"].contains($0.literal ?? "") }) else {
                return rest.isEmpty ? nil : (shell(joined(rest) + " {}", line), "parallel")
            }
            let command = joined(rest[..<sep])
            let values = rest[(sep + 1)...].map { $0.literal ?? $0.text }
            let script = values.map { v in command.contains("{}") ? command.replacingOccurrences(of: "{}", with: v) : command + " " + v }
            return (shell(script.joined(separator: "\n"), line), "parallel")
        case "ssh":
            var rest = skipOptions(args[...], valued: ["-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-e", "-m",
                                                     "-O", "-Q", "-S", "-W", "-w", "-E", "-B", "-I"])
            rest = rest.dropFirst() // the host
            if rest.first?.literal == "--" { rest = rest.dropFirst() }
            return rest.isEmpty ? nil : (shell(joined(rest), line), "ssh")
        default:
            return (args, name)
        }
    }

    /// The value of `-c VALUE` (also inside combined flags like `-lc`) or `--command=VALUE`.
    static func optionValue(_ args: [ShellWord], short: Character, long: String?) -> ShellWord? {
        var k = 0
        while k < args.count {
            let t = args[k].literal ?? ""
            if let long, t.hasPrefix(long + "=") {
                var w = args[k]
                w.segments = [.literal(String(t.dropFirst(long.count + 1)))]
                return w
            }
            if let long, t == long { return k + 1 < args.count ? args[k + 1] : nil }
            if t.hasPrefix("-") && !t.hasPrefix("--") && t.dropFirst().contains(short) {
                // `bash -c -- 'script'`: the `--` ends the options and the script follows it.
                if k + 2 < args.count, args[k + 1].literal == "--" { return args[k + 2] }
                return k + 1 < args.count ? args[k + 1] : nil
            }
            k += 1
        }
        return nil
    }

    static func interpreterLanguage(_ name: String) -> ScriptLanguage? {
        if shells.contains(name) { return .bash }
        if name == "python" || name.hasPrefix("python2") || name.hasPrefix("python3") || name == "pypy3" { return .python }
        if name == "perl" || name.hasPrefix("perl5") { return .perl }
        if name == "pwsh" || name == "powershell" || name == "powershell.exe" { return .powershell }
        if name == "mysql" || name == "psql" || name == "sqlite3" || name == "mariadb" { return .sql }
        return nil
    }
}
