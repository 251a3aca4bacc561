import Foundation
import PlatEngine
import PlatCMDB
import PlatJobs
import PlatLang

enum RunCommand {
    static let spec = CommandSpec(
        name: "run",
        summary: "Run a workflow file as a durable run: its top level, then a plan with parameters.",
        usage: ["platflow run FILE [PLAN] [--param NAME=VALUE ...] [--detach] [--json]"],
        flags: [
            FlagSpec(name: "param", short: "p", value: "NAME=VALUE", repeats: true,
                     help: "a plan parameter, converted to its declared type (lists and maps as JSON); repeatable"),
            FlagSpec(name: "detach", help: "record the run, start it in the background, print its id and return at once (even with -q)"),
            FlagSpec(name: "json", help: "stdout holds only the outcome as JSON (id, plan, status, exit_code, error, duration; with --detach id and status); the program's prints go to stderr"),
            waitFlag,
            FlagSpec(name: "scheme", value: "NAME", help: "fill the plan's parameters from a scheme declared in the file (--param overrides)"),
            FlagSpec(name: "list-schemes", help: "list the file's schemes and exit"),
            verboseFlag,
            FlagSpec(name: "limit", value: "HOSTS|GROUP|FILTER",
                     help: "run the plan's steps on hosts only on these: names or globs (web-01,web-0*), a CMDB group, or a CMDB filter; kept for resume and retry"),
            FlagSpec(name: "explain", help: "run the code without any effect: print each step's batches and commands, record nothing"),
            EngineSession.durabilityFlag,
        ],
        examples: [
            "platflow run workflows/hello.plat",
            "platflow run workflows/fizzbuzz.plat main --param n=15",
            "platflow run workflows/nightly.plat --param env=test --detach",
            "platflow run workflows/nightly.plat --detach -q",
            "platflow run workflows/hello.plat --json",
            "platflow run workflows/restart-web.plat --scheme prod-web --explain",
        ],
        details: """
            Without PLAN, the plan named main runs, or the file's only plan; a file without plans runs its top level.
            Every run is recorded in the database with its code and parameters, and every effect (sh, sleep, approve,
            now, uuid, random, env) is journaled: a run killed at any moment continues with `platflow resume RUN`
            and never repeats a finished effect. Secret parameters are never stored.
            The program's print output goes to stdout; step banners and errors go to stderr.
            Exit codes: 0 succeeded, 1 failed or cancelled, 2 bad input (nothing ran), 3 parked (sleeping or waiting
            for an approval; SIGTERM parks a run too, and so does a database lock held past the busy timeout), 130
            interrupted by Ctrl-C (the run stays resumable). One signal stops the run promptly, even inside a loop or a
            regular expression; a second one kills its commands and exits at once, the run still resumable.
            """,
        action: execute)

    static func parseParams(_ args: ParsedArguments) throws -> [String: String] {
        var params: [String: String] = [:]
        for p in args.values("param") {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw UsageError("--param expects NAME=VALUE, got '\(p)'", hint: "--param n=15")
            }
            let name = String(p[..<eq])
            if params[name] != nil { throw UsageError("parameter '\(name)' given twice") }
            params[name] = String(p[p.index(after: eq)...])
        }
        return params
    }

    static func execute(_ args: ParsedArguments, terminal: Terminal) throws -> Int32 {
        guard let path = args.positional.first else {
            throw UsageError("run needs a .plat file", hint: "platflow run workflows/hello.plat")
        }
        if args.positional.count > 2 {
            throw UsageError("run takes a file and at most one plan name, got \(args.positional.count - 1) extra words: \(args.positional.dropFirst().joined(separator: " "))",
                             hint: "pass plan parameters as --param NAME=VALUE")
        }
        do {
            var params = try parseParams(args)
            var planName = args.positional.count > 1 ? args.positional[1] : nil
            if args.has("list-schemes") { return try listSchemes(path, terminal) }
            if let name = args.value("scheme") {
                let scheme = try findScheme(name, in: path)
                if let p = planName, p != scheme.target {
                    throw UsageError("scheme \(name) is for plan \(scheme.target ?? "?"), not \(p)")
                }
                planName = scheme.target
                params = ParamText.from(scheme).merging(params) { _, cli in cli }
            }
            if args.has("explain") { return try explain(path, plan: planName, params: params, args, terminal) }
            let store = try EngineSession.open(args)
            let json = args.has("json")
            let executor = RunExecutor(store: store, output: TerminalOutput(terminal: terminal, verbose: args.has("verbose"),
                                                                            programToStderr: json),
                                       waitPolicy: waitPolicy(args))
            // Resolved before the run is recorded: a limit that matches nothing records nothing.
            let limit = try args.value("limit").map { try CMDB(db: store.db).limitTargets($0) }
            let (id, secrets) = try store.db.transaction {
                let created = try executor.create(file: path, plan: planName, params: params, detached: args.has("detach"))
                if let limit { try store.setTargetLimit(created.id, limit) }
                return created
            }
            if args.has("detach") {
                try DetachedWorker.spawn(runID: id, dbPath: store.db.path)
                terminal.out(json ? jsonText(["id": id, "status": RunStatus.pending.rawValue]) : "\(id)\n")
                return ExitCode.ok
            }
            if !terminal.quiet { terminal.err(terminal.paint("run \(id)\n", .dim)) }
            let code = drive(executor, id: id, secrets: secrets, upgrade: false, terminal: terminal)
            if json { terminal.out(jsonText(try outcomeJSON(store, id: id, exitCode: code))) }
            return code
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }

    /// What `run --json` prints once the run returns: enough for a script to decide what to do next.
    static func outcomeJSON(_ store: RunStore, id: String, exitCode: Int32) throws -> [String: Any] {
        var o: [String: Any] = ["id": id, "exit_code": Int(exitCode)]
        guard let run = try store.run(id) else { return o }
        o["plan"] = run.plan ?? NSNull()
        o["status"] = run.status.rawValue
        o["error"] = run.error ?? NSNull()
        o["duration"] = run.duration() ?? NSNull()
        return o
    }

    static let verboseFlag = FlagSpec(name: "verbose", short: "v",
                                      help: "show commands' output as it comes, each line prefixed by its host (on stderr)")

    static let waitFlag = FlagSpec(name: "wait", help: "wait for approvals and long sleeps even without a terminal (default: park and exit 3)")

    /// A foreground run waits for people and timers only where someone can see it wait and press Ctrl-C (a
    /// terminal on stdin) or when asked to (`--wait`); elsewhere (CI, cron, a pipe) it parks and exits 3 at once.
    static func waitPolicy(_ args: ParsedArguments) -> DurableEffects.WaitPolicy {
        args.has("wait") || isatty(STDIN_FILENO) == 1 ? .wait : .park
    }

    /// Executes a run in the foreground and turns its outcome into an exit code.
    static func drive(_ executor: RunExecutor, id: String, secrets: [String: String], upgrade: Bool,
                      terminal: Terminal) -> Int32 {
        let signals = RunSignals(stopFlag: executor.stopFlag, runID: id, dbPath: executor.store.db.path)
        defer { withExtendedLifetime(signals) {} }
        do {
            let outcome = try executor.execute(id, secrets: secrets, upgrade: upgrade)
            terminal.flush()
            printFleetSummary(executor.store, id: id, terminal: terminal)
            switch outcome {
            case .succeeded:
                return ExitCode.ok
            case .failed(let text):
                terminal.err(text)
                return ExitCode.failed
            case .cancelled:
                terminal.error("run \(id) was cancelled")
                return ExitCode.failed
            case .parked(let status):
                terminal.err("run \(id) is \(status.rawValue); it continues with `platflow resume \(id)` or under `platflow scheduler`"
                             + (executor.waitPolicy == .park && signals.received == 0 ? " (no terminal here: --wait waits instead)" : "") + "\n")
                if status == .sleeping && !executor.store.hasLiveScheduler() {
                    terminal.err("no scheduler is running on this database to wake it: start `platflow scheduler`\n")
                }
                return signals.received == SIGINT ? ExitCode.interrupted : ExitCode.parked
            case .interrupted:
                terminal.err("run \(id) stopped; continue it with `platflow resume \(id)`\n")
                return signals.received == SIGINT ? ExitCode.interrupted : ExitCode.parked
            case .busy(let holder):
                terminal.error("run \(id) is being executed by another process (\(holder))",
                               hint: "wait for it, or `platflow cancel \(id)`")
                return ExitCode.failed
            }
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }
}

extension RunCommand {
    static func loadModule(_ path: String) throws -> (Interpreter, CompiledModule) {
        let registry = EngineSession.modules.effects
        let interpreter = Interpreter(effects: NullEffects(), effectSpecs: registry.specs,
                                      declarations: registry.declarations)
        return (interpreter, try interpreter.load(path: path))
    }

    static func findScheme(_ name: String, in path: String) throws -> Declaration {
        let (_, module) = try loadModule(path)
        let schemes = module.declarations.filter { $0.kind == "scheme" }
        if let s = schemes.first(where: { $0.label == name }) { return s }
        throw UsageError("no scheme '\(name)' in \(path)",
                         hint: closestName(to: name, in: schemes.map(\.label)).map { "did you mean '\($0)'?" }
                            ?? (schemes.isEmpty ? "the file declares no schemes" : "its schemes: \(schemes.map(\.label).joined(separator: ", "))"))
    }

    static func listSchemes(_ path: String, _ terminal: Terminal) throws -> Int32 {
        let (_, module) = try loadModule(path)
        let schemes = module.declarations.filter { $0.kind == "scheme" }
        if schemes.isEmpty {
            terminal.err("\(path) declares no schemes; add one: scheme \"prod\" for main { env: \"prod\" }\n")
            return ExitCode.ok
        }
        var t = Table(header: ["SCHEME", "PLAN", "PARAMETERS"])
        for s in schemes {
            t.rows.append([s.label, s.target ?? "-", ParamText.from(s).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")])
        }
        terminal.out(t.render())
        return ExitCode.ok
    }

    /// `--explain`: the plan's code runs with effects that only describe themselves.
    static func explain(_ path: String, plan: String?, params: [String: String], _ args: ParsedArguments,
                        _ terminal: Terminal) throws -> Int32 {
        let registry = EngineSession.modules.effects
        // Reads (the CMDB's hosts) read the database when there is one; explaining never creates it.
        let dbPath = EngineSession.dbPath(args)
        let db = FileManager.default.fileExists(atPath: dbPath) ? try EngineSession.open(args).db : nil
        let interpreter = Interpreter(effects: ExplainEffects(registry: registry, db: db) { terminal.out($0) },
                                      effectSpecs: registry.specs, declarations: registry.declarations)
        let module = try interpreter.load(path: path)
        let selected = try interpreter.selectPlan(in: module, named: plan)
        _ = try interpreter.run(module, plan: selected, params: params)
        return ExitCode.ok
    }

    /// After a run with steps on hosts: one line per step with its hosts' counts.
    static func printFleetSummary(_ store: RunStore, id: String, terminal: Terminal) {
        guard !terminal.quiet, let steps = try? FleetReport.steps(db: store.db, runID: id), !steps.isEmpty else { return }
        var t = Table(header: ["STEP", "HOSTS", "OK", "FAILED", "SKIPPED", "DURATION"])
        for s in steps {
            t.rows.append([s.key, String(s.hosts), String(s.ok), String(s.failed), String(s.notRun), s.duration.map(humanDuration) ?? "-"])
        }
        terminal.err(t.render())
    }
}
