import PlatLang

enum HelpCommand {
    /// `help` reads the command list it is part of.
    static func spec(for tree: CommandTree) -> CommandSpec {
        CommandSpec(
            name: "help",
            summary: "Show help for platflow, a command, or a topic.",
            usage: ["platflow help [COMMAND [SUBCOMMAND...]|TOPIC]"],
            flags: [],
            examples: ["platflow help run", "platflow help cmdb hosts", "platflow help language", "platflow help exit-codes"],
            opensDatabase: false,
            action: { args, terminal in try execute(args, terminal: terminal, tree: tree) })
    }

    static let versionSpec = CommandSpec(
        name: "version",
        summary: "Print platflow's version.",
        usage: ["platflow version"],
        flags: [],
        examples: ["platflow version"],
        opensDatabase: false,
        action: { _, terminal in
            terminal.out(versionLine)
            return ExitCode.ok
        })

    static let version = "0.1.0"
    static var versionLine: String { "platflow \(version)\n" }

    static let topics: [String: String] = [
        "language": """
            The .plat language, in one screen (the full grammar and semantics: grammar.md):

              let name = "web"              # immutable binding
              var count = 0                 # mutable binding
              let d = 1h30m                 # durations: ms s m h d; sizes: 512B 20MB 1GiB
              let xs = [1, 2, 3]            # lists and maps copy on assignment (value semantics)
              let m = {biz: "shop", "x-y": 2}
              print("hi \\(name), \\(len(xs)) items")   # interpolation is \\(expr)
              fn add(a, b = 1) { return a + b }
              let double = fn(x) => x * 2
              let tail = xs[1:]; let size = if len(xs) > 2 then "big" else "small"
              if count > 0 and not false { } else if count == 0 { } else { }
              for x in xs { }   for k, v in m { }   while count < 3 { count += 1 }
              try { fail("boom") } catch err { print(err.message) }
              assert len(xs) == 3, "three items"
              import "std/strings" as strings

              plan deploy(env: string = "test", batch: int = 10) {
                step "build" { print("building for \\(env)") }
              }

            Conditions take booleans only. Integers are 64-bit and overflow is an error.
            `/` gives a float, `//` floors, `%` follows `//`.
            From other languages: nil (not null/None), true/false, not/and/or (not !/&&/||), fail("msg") to
            raise, x += 1 (no ++), fn to declare functions, "\\(x)" to interpolate (never ${x} or f-strings).
            """,
        "rolling": """
            Rolling batches: sh(hosts, script, rolling: "1 30% 100%") and copy(..., rolling: ...).
              N      that many hosts              N%   ceil(N% of ALL targets), never 0
              +N     the previous batch plus N    *N   the previous batch times N
            The last part repeats until every host is done; hosts go in the order given; at most 500 batches.
            For 100 hosts: "20" → 20,20,20,20,20   "30%" → 30,30,30,10   "5 *2" → 5,10,20,40,25
                           "5 +10" → 5,15,25,35,20   "10 20 20 20 100%" → 10,20,20,20,30
            on_failure: "pause" (default: the run waits; `platflow approve RUN` accepts the failures and goes on,
            `platflow retry RUN` runs the failed hosts again), "ignore", or "manual" (an approval before every batch).
            max_fail: "10%" or a count: later batches do not start once the failed share of all targets is
            strictly greater. throttle: N hosts at once. Try an expression: platflow batches "5 *2" --hosts 100
            """,
        "cron": """
            Cron expressions (schedule "name" { cron: "...", tz: "Asia/Shanghai", ... }):
              minute hour day-of-month month day-of-week     e.g. "0 9 * * MON-FRI", "*/15 * * * *"
            Values, ranges a-b, steps */n a-b/n, lists a,b; names JAN-DEC and SUN-SAT; 0 and 7 are Sunday.
            @yearly @monthly @weekly @daily @hourly, and @every DURATION (e.g. @every 30s).
            When both day fields are restricted, a day matches either (Vixie cron's rule).
            Daylight saving: a time inside a spring-forward gap fires once, right after the gap; a time that occurs
            twice fires once, at its first occurrence; expressions whose hour is a wildcard fire at every real
            instant that matches. Details: docs/cron.md.
            Try one: platflow schedule next "0 9 * * MON-FRI" --tz Asia/Shanghai --count 5
            """,
        "exit-codes": """
            Exit codes of every platflow command:
              0    success
              1    the work failed: a run failed or was cancelled, check found problems
              2    bad input or usage: nothing ran, nothing changed
              3    parked: a run waits for an approval or a timer (or was stopped by SIGTERM)
              4    a release stage gate refused: the stage may not reach that environment, or lacks an acceptance
              5    a release requirement refused: another app's `requires` would be unsatisfied
              6    a release version is stored already with other bits
              7    a deploy of that app to that environment is running already (deploy --wait waits for it)
              130  interrupted by Ctrl-C
            """,
    ]

    /// `platflow COMMAND [SUBCOMMAND...] --help` for the command at the end of `path`: a leaf's usage, flags and
    /// examples, or a family's subcommands.
    static func render(_ path: [CommandSpec]) -> String {
        let c = path[path.count - 1]
        let name = CommandTree.name(of: path)
        var s = "\(c.summary)\n\nUsage:\n"
        if c.isFamily {
            s += "  platflow \(name) COMMAND [ARGS] [--flags]\n\nCommands:\n"
            s += columns(c.subcommands.map { ($0.name, $0.summary) })
        } else {
            for u in c.usage { s += "  \(u)\n" }
        }
        if let d = c.details { s += "\n" + d.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  \($0)" }.joined(separator: "\n") + "\n" }
        s += "\nFlags:\n"
        s += columns(c.acceptedFlags.map { f -> (String, String) in
            var left = f.short.map { "-\($0), " } ?? "    "
            left += "--\(f.name)"
            if let v = f.value { left += " \(v)" }
            var right = f.help
            if let d = f.defaultText { right += " (default: \(d))" }
            return (left, right)
        })
        s += "\nExamples:\n"
        for e in c.shownExamples { s += "  \(e)\n" }
        if c.isFamily { s += "\nRun `platflow \(name) COMMAND --help` for a command's flags and examples.\n" }
        return s
    }

    /// Two columns, the left one padded to its widest entry.
    static func columns(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { "  \($0.0.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.1)\n" }.joined()
    }

    static func overview(_ tree: CommandTree) -> String {
        var s = """
            platflow \(version): workflows for SRE and platform teams, written in .plat.

            Usage:
              platflow COMMAND [ARGS] [--flags]

            Commands:

            """
        s += columns(tree.all.map { ($0.name, $0.summary) })
        s += """

            Topics (platflow help TOPIC):
              language     the .plat language in one screen
              rolling      rolling batches and failure policies
              cron         cron expressions, time zones and daylight saving
              exit-codes   what each exit code means

            Examples:
              platflow run workflows/hello.plat
              platflow run workflows/fizzbuzz.plat main --param n=15
              platflow check workflows/*.plat

            Run `platflow COMMAND --help` for a command's flags and examples, and `platflow COMMAND SUBCOMMAND --help`
            for a subcommand's (`platflow cmdb hosts --help`).

            """
        return s
    }

    static func execute(_ args: ParsedArguments, terminal: Terminal, tree: CommandTree) throws -> Int32 {
        guard let what = args.positional.first else {
            terminal.out(overview(tree))
            return ExitCode.ok
        }
        let commands = tree.all
        if commands.contains(where: { $0.name == what }) {
            terminal.out(render(try tree.path(args.positional)))
            return ExitCode.ok
        }
        if let t = topics[what], args.positional.count == 1 {
            terminal.out(t.hasSuffix("\n") ? t : t + "\n")
            return ExitCode.ok
        }
        let names = commands.map(\.name) + topics.keys.sorted()
        throw UsageError("no command or topic '\(args.positional.joined(separator: " "))'",
                         hint: closestName(to: what, in: names).map { "did you mean '\($0)'?" }
                             ?? "commands: \(commands.map(\.name).joined(separator: ", ")); topics: \(topics.keys.sorted().joined(separator: ", "))")
    }
}
