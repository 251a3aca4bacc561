import Foundation
import PlatEngine
import PlatLang

enum RunCommand {
    static let spec = CommandSpec(
        name: "run",
        summary: "Run a workflow file as a durable run: its top level, then a plan with parameters.",
        usage: ["platflow run FILE [PLAN] [--param NAME=VALUE ...] [--detach]"],
        flags: [
            FlagSpec(name: "param", short: "p", value: "NAME=VALUE", repeats: true,
                     help: "a plan parameter, converted to its declared type (lists and maps as JSON); repeatable"),
            FlagSpec(name: "detach", help: "record the run, start it in the background, print its id and return at once"),
            EngineSession.durabilityFlag,
        ],
        examples: [
            "platflow run workflows/hello.plat",
            "platflow run workflows/fizzbuzz.plat main --param n=15",
            "platflow run workflows/nightly.plat --param env=test --detach",
        ],
        details: """
            Without PLAN, the plan named main runs, or the file's only plan; a file without plans runs its top level.
            Every run is recorded in the database with its code and parameters, and every effect (sh, sleep, approve,
            now, uuid, random, env) is journaled: a run killed at any moment continues with `platflow resume RUN`
            and never repeats a finished effect. Secret parameters are never stored.
            The program's print output goes to stdout; step banners and errors go to stderr.
            Exit codes: 0 succeeded, 1 failed or cancelled, 2 bad input (nothing ran), 3 parked (sleeping or waiting
            for an approval; SIGTERM parks a run too), 130 interrupted by Ctrl-C (the run stays resumable).
            """)

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

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        guard let path = args.positional.first else {
            terminal.error("run needs a .plat file", hint: "platflow run workflows/hello.plat")
            return ExitCode.usage
        }
        if args.positional.count > 2 {
            terminal.error("run takes a file and at most one plan name, got \(args.positional.count - 1) extra words: \(args.positional.dropFirst().joined(separator: " "))",
                           hint: "pass plan parameters as --param NAME=VALUE")
            return ExitCode.usage
        }
        do {
            let params = try parseParams(args)
            let store = try EngineSession.open(args)
            let executor = RunExecutor(store: store, output: TerminalOutput(terminal: terminal))
            let (id, secrets) = try executor.create(file: path, plan: args.positional.count > 1 ? args.positional[1] : nil,
                                                    params: params)
            if args.has("detach") {
                if !secrets.isEmpty {
                    throw UsageError("a run with secret parameters cannot be detached: the background worker would need them",
                                     hint: "run it in the foreground")
                }
                try DetachedWorker.spawn(runID: id, dbPath: store.db.path)
                terminal.out("\(id)\n")
                return ExitCode.ok
            }
            if !terminal.quiet { terminal.err(terminal.paint("run \(id)\n", .dim)) }
            return drive(executor, id: id, secrets: secrets, upgrade: false, terminal: terminal)
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }

    /// Executes a run in the foreground and turns its outcome into an exit code.
    static func drive(_ executor: RunExecutor, id: String, secrets: [String: String], upgrade: Bool,
                      terminal: Terminal) -> Int32 {
        let signals = RunSignals(stopFlag: executor.stopFlag)
        do {
            let outcome = try executor.execute(id, secrets: secrets, upgrade: upgrade)
            terminal.flush()
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
                terminal.err("run \(id) is \(status.rawValue); it continues with `platflow resume \(id)` or under `platflow scheduler`\n")
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

enum ExitCode {
    static let ok: Int32 = 0
    static let failed: Int32 = 1
    static let usage: Int32 = 2
    static let parked: Int32 = 3
    static let interrupted: Int32 = 130
}
