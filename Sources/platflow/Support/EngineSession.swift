import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// Opening the database the way every command does: `--db`, else PLATFLOW_DB, else the nearest
/// .platflow/platflow.db from the working directory up (as git finds .git), else .platflow/platflow.db here.
enum EngineSession {
    /// The modules of this build, set by main.swift before any command runs (the engine alone until then).
    nonisolated(unsafe) static var modules = ModuleSet()

    static func dbPath(_ args: ParsedArguments) -> String {
        args.value("db") ?? EnvironmentVariable.value("PLATFLOW_DB") ?? DatabaseLocation.find()
    }

    static func durability(_ args: ParsedArguments) throws -> Database.Durability {
        guard let d = args.value("durability") else { return .full }
        guard let v = Database.Durability(rawValue: d) else {
            throw UsageError("--durability takes full or normal, got '\(d)'",
                             hint: "full: every journal entry is on disk before the next step (the default)")
        }
        return v
    }

    /// A command is a short-lived process: its writes stay in the WAL for a later checkpoint rather than being
    /// copied into the file at every exit (`Database.Options.checkpointOnClose`).
    static func open(_ args: ParsedArguments) throws -> RunStore {
        try RunStore.open(path: dbPath(args), modules: modules, durability: try durability(args),
                          checkpointOnClose: false)
    }

    static let durabilityFlag = FlagSpec(
        name: "durability", value: "full|normal",
        help: "full: each journal entry is fsynced before the next effect; normal: faster, and a power loss may lose the last entries (a crash of platflow alone loses nothing)",
        defaultText: "full")

    /// Runs `body` with the store and the run the first word names (an id or a unique prefix); a missing id is
    /// a usage error (`missing` and its hint), and every thrown error is reported the house way.
    static func withRun(_ args: ParsedArguments, _ terminal: Terminal, missing: String, hint: String? = nil,
                        _ body: (RunStore, RunRecord) throws -> Int32) -> Int32 {
        do {
            guard let ref = args.positional.first else { throw UsageError(missing, hint: hint) }
            let store = try open(args)
            return try body(store, try store.resolveRunID(ref))
        } catch {
            return terminal.report(error)
        }
    }

    /// Prints an error in the house format and returns its exit code (decided by CLIFailure).
    static func report(_ error: Error, terminal: Terminal) -> Int32 {
        terminal.report(error)
    }
}

/// A run's output on this terminal: the program's prints on stdout, banners and events on stderr.
final class TerminalOutput: RunOutput {
    let terminal: Terminal
    /// `-v`: commands' output as it comes, each line prefixed by its host.
    let verbose: Bool
    /// `run --json`: stdout holds only the JSON outcome, so the program's prints go to stderr.
    let programToStderr: Bool
    init(terminal: Terminal, verbose: Bool = false, programToStderr: Bool = false) {
        self.terminal = terminal
        self.verbose = verbose
        self.programToStderr = programToStderr
    }

    var showsHostOutput: Bool { verbose }

    func hostOutput(_ host: String, _ text: String, stderr: Bool) {
        let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
        var lines = ""
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            let shown = stderr ? terminal.paint(String(line), .red) : String(line)
            lines += "\(terminal.paint(host + " |", .dim)) \(shown)\n"
        }
        terminal.err(lines)
    }

    func program(_ text: String) { programToStderr ? terminal.err(text) : terminal.out(text) }

    func progress(_ line: String?) { terminal.progress(line) }

    func event(_ event: RunEvent) {
        if terminal.quiet && event.kind != .warning && event.kind != .stepFailed { return }
        let line = event.text
        switch event.kind {
        case .stepStarted: terminal.err("\(terminal.paint("▸", .dim)) \(line)\n")
        case .stepOK:
            // The duration dimmed, in human form.
            terminal.err("\(terminal.paint("✓", .green)) \(line) \(terminal.paint(humanDuration(event.duration ?? 0), .dim))\n")
        case .stepFailed: terminal.err("\(terminal.paint("✗", .red)) \(line)\n")
        case .stepSkipped: terminal.err("\(terminal.paint("-", .yellow)) \(line)\n")
        case .info: terminal.err("\(terminal.paint("·", .dim)) \(line)\n")
        case .warning: terminal.err("\(terminal.paint("!", .yellow)) \(line)\n")
        }
    }
}


/// SIGINT/SIGTERM during a run: the first stops the run promptly (at its next effect, loop iteration or call;
/// the commands it runs are stopped) and leaves it resumable; the command then exits 130 after Ctrl-C, 3 after
/// SIGTERM. A second signal, for a run that does not stop fast enough, kills those commands outright, marks
/// the run resumable itself and exits at once with the same code.
final class RunSignals {
    private let lock = NSLock()
    private var first: Int32 = 0
    private var restore: (() -> Void)?

    var received: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    init(stopFlag: StopFlag, runID: String, dbPath: String) {
        restore = ProcessSignals.route { [weak self] sig in
            guard let self else { return }
            lock.lock()
            let earlier = first
            if earlier == 0 { first = sig }
            lock.unlock()
            if earlier == 0 {
                stopFlag.raise(.stopped)
                // The run's commands and whatever its modules do for it (a copy pacing its upload).
                EngineSession.modules.stopWork(of: runID)
                ProcessRunner.killAll(signal: SIGTERM)
                return
            }
            ProcessRunner.killAll(signal: SIGKILL)
            // Not left `running` behind a dead process: pending, like a run stopped at a boundary. Its own
            // connection, with a short wait: the run's thread may hold the write lock and never release it.
            if let db = try? Database(path: dbPath, options: Database.Options(busyTimeoutMilliseconds: 1_000)) {
                try? db.execute("""
                    UPDATE engine_runs SET status = 'pending', lease_owner = NULL, lease_expires = NULL
                    WHERE id = ? AND status = 'running'
                    """, runID)
                try? db.execute("INSERT INTO engine_logs (run_id, at, step, kind, text) VALUES (?, ?, '', 'event', ?)",
                                runID, RunStore.now(), "run stopped by a second signal; resume with `platflow resume \(runID)`")
            }
            _exit(earlier == SIGINT ? ExitCode.interrupted : ExitCode.parked)
        }
    }

    deinit { restore?() }
}
