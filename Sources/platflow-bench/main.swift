import CSQLite
import Foundation
import PlatEngine
import PlatLang
import PlatStore

// Engine benchmarks, one measurement per process so peak memory is each phase's own:
//   platflow-bench journal-raw N        single-row commits/s on raw SQLite (WAL, synchronous=FULL)
//   platflow-bench journal-effects N    journaled now() effects/s through a real durable run (same settings)
//   platflow-bench journal-resume N     a run with N finished journal entries: time until its first new effect
// Each prints one line: `NAME value unit maxrss_kb`. bench/journal.sh runs them and prints the table.

func maxRSSKilobytes() -> Int {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return u.ru_maxrss
}

func tempDir() -> String {
    let d = NSTemporaryDirectory() + "platflow-bench-\(getpid())-\(UUID().uuidString.prefix(6))"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The journal benchmarks measure the engine alone: no module's tables or effects.
let engineAlone = ModuleSet()

final class Quiet: RunOutput {
    func program(_ text: String) {}
    func event(_ event: RunEvent) {}
}

/// The peer: what SQLite itself does with one fsynced commit per row, through the C API.
func rawCommits(_ n: Int) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var db: OpaquePointer?
    guard sqlite3_open(dir + "/raw.db", &db) == SQLITE_OK else { fatalError("open failed") }
    defer { sqlite3_close(db) }
    for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                   "CREATE TABLE t (run_id TEXT, key TEXT, effect TEXT, args TEXT, status TEXT, result TEXT, started_at REAL, finished_at REAL, PRIMARY KEY (run_id, key))"] {
        sqlite3_exec(db, pragma, nil, nil, nil)
    }
    var stmt: OpaquePointer?
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, 'now', '{}', 'finished', ?, ?, ?)", -1, &stmt, nil)
    defer { sqlite3_finalize(stmt) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    let t = seconds {
        for i in 0..<n {
            let key = "main#\(i + 1)"
            let now = Date().timeIntervalSince1970
            sqlite3_bind_text(stmt, 1, "run", -1, transient)
            sqlite3_bind_text(stmt, 2, key, -1, transient)
            sqlite3_bind_text(stmt, 3, "{\"$f\":\"\(now.bitPattern)\"}", -1, transient)
            sqlite3_bind_double(stmt, 4, now)
            sqlite3_bind_double(stmt, 5, now)
            guard sqlite3_step(stmt) == SQLITE_DONE else { fatalError("insert failed") }
            sqlite3_reset(stmt)
        }
    }
    print("journal-raw \(Double(n) / t) commits/s \(maxRSSKilobytes())")
}

func writePlan(_ dir: String, _ n: Int, tail: String) throws -> String {
    let path = dir + "/bench.plat"
    try """
        plan main() {
            for i in range(\(n)) {
                now()
            }
            \(tail)
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func journaledEffects(_ n: Int) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let plan = try writePlan(dir, n, tail: "")
    let store = try RunStore.open(path: dir + "/engine.db", modules: engineAlone, durability: .full)
    let executor = RunExecutor(store: store, output: Quiet())
    let id = try executor.create(file: plan, plan: nil, params: [:]).id
    var outcome: RunOutcome = .succeeded
    let t = try seconds { outcome = try executor.execute(id) }
    guard case .succeeded = outcome else { fatalError("run failed: \(outcome)") }
    print("journal-effects \(Double(n) / t) effects/s \(maxRSSKilobytes())")
}

/// Time for a resumed run to replay N finished entries and reach its first new effect.
func resume(_ n: Int) throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let plan = try writePlan(dir, n, tail: "uuid()")
    let store = try RunStore.open(path: dir + "/engine.db", modules: engineAlone, durability: .full)
    let executor = RunExecutor(store: store, output: Quiet())
    let id = try executor.create(file: plan, plan: nil, params: [:]).id
    _ = try executor.execute(id)
    // Forget the last effect and reopen the run: the resume replays N entries, then performs uuid() anew.
    try store.db.execute("DELETE FROM engine_journal WHERE run_id = ? AND effect = 'uuid'", id)
    try store.db.execute("UPDATE engine_runs SET status = 'pending', finished_at = NULL WHERE id = ?", id)
    let again = RunExecutor(store: store, output: Quiet())
    let t = try seconds { _ = try again.execute(id) }
    print("journal-resume \(t / Double(n) * 1e6) us/entry \(maxRSSKilobytes())")
}

let args = CommandLine.arguments
if args.count >= 2 && args[1].hasPrefix("cmdb-") {
    cmdbBenchmark(Array(args.dropFirst()))
    exit(0)
}
guard args.count >= 3, let n = Int(args[2]) else {
    print("usage: platflow-bench journal-raw|journal-effects|journal-resume N | cmdb-...")
    exit(2)
}
switch args[1] {
case "journal-raw": try rawCommits(n)
case "journal-effects": try journaledEffects(n)
case "journal-resume": try resume(n)
default:
    print("unknown benchmark \(args[1])")
    exit(2)
}
