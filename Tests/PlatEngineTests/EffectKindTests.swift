import Foundation
import PlatEngine
import PlatLang
import PlatStore
import Testing

/// The engine journals an effect by its declared kind: a read is journaled finished and replayed, a
/// transactional change commits with its journal entry, an external effect is journaled started before it acts
/// and finished or failed after.
@Suite("effect kinds")
struct EffectKindTests {
    /// What the test effects saw, shared with the test.
    final class Tally: @unchecked Sendable {
        var reads = 0
        var acts: [Bool] = []
        /// The journal status of each external call while it performed.
        var statusWhileActing: [JournalStatus?] = []
    }

    final class ReadEffect: DurableEffect {
        let spec = EffectSpec(name: "t.read", params: [], required: 0, summary: "counts its calls")
        let kind = EffectKind.read
        let tally: Tally
        init(_ tally: Tally) { self.tally = tally }
        func perform(_ ctx: EffectContext) throws -> Value {
            tally.reads += 1
            return .int(tally.reads)
        }
    }

    final class WriteEffect: DurableEffect {
        let spec = EffectSpec(name: "t.write", params: ["n"], required: 1, summary: "inserts a row; fails after it when n < 0")
        let kind = EffectKind.transactional
        func perform(_ ctx: EffectContext) throws -> Value {
            guard case .int(let n)? = ctx.argument("n") else { throw RuntimeError("t.write() takes an int") }
            try ctx.store.db.execute("INSERT INTO test_rows (n) VALUES (?)", n)
            if n < 0 { throw RuntimeError("negative") }
            return .int(n)
        }
    }

    final class ActEffect: DurableEffect {
        let spec = EffectSpec(name: "t.act", params: ["fail"], required: 1, summary: "acts; fails when asked")
        let kind = EffectKind.external
        let tally: Tally
        init(_ tally: Tally) { self.tally = tally }
        func perform(_ ctx: EffectContext) throws -> Value {
            let fail = ctx.argument("fail") == .bool(true)
            tally.acts.append(fail)
            tally.statusWhileActing.append(ctx.journal.entry(ctx.key)?.status)
            if fail { throw RuntimeError("asked to fail") }
            return .string("acted")
        }
    }

    final class Quiet: RunOutput {
        var printed = ""
        func program(_ text: String) { printed += text }
        func event(_ event: RunEvent) {}
    }

    func withEngine(_ plan: String, _ body: (RunExecutor, String, Tally) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("effect-kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("k.plat").path
        try plan.write(toFile: file, atomically: true, encoding: .utf8)
        let store = try RunStore.open(path: dir.appendingPathComponent("k.db").path, modules: ModuleSet(), durability: .normal)
        try store.db.execute("CREATE TABLE test_rows (n INTEGER NOT NULL)")
        let tally = Tally()
        var registry = EffectRegistry()
        try registry.register(ReadEffect(tally), from: "test")
        try registry.register(WriteEffect(), from: "test")
        try registry.register(ActEffect(tally), from: "test")
        let executor = RunExecutor(store: store, output: Quiet(), registry: registry)
        try body(executor, try executor.create(file: file, plan: nil, params: [:]).id, tally)
    }

    func journal(_ executor: RunExecutor, _ id: String) throws -> [String] {
        try executor.store.db.query("SELECT key, status FROM engine_journal WHERE run_id = ? ORDER BY started_at, rowid", id)
            .map { "\($0.string("key")!) \($0.string("status")!)" }
    }

    func rows(_ executor: RunExecutor) throws -> [Int64] {
        try executor.store.db.query("SELECT n FROM test_rows ORDER BY rowid").compactMap { $0.int("n") }
    }

    @Test("reads and changes replay on retry; an external effect is started while it acts, failed when it fails")
    func disciplines() throws {
        try withEngine("""
            plan main() {
                step "s" {
                    let a = t.read()
                    t.write(7)
                    let x = t.act(false)
                    t.act(true)
                }
            }
            """) { executor, id, tally in
            guard case .failed = try executor.execute(id) else { Issue.record("the run should fail"); return }
            #expect(try journal(executor, id) == ["main/s#1 finished", "main/s#2 finished", "main/s#3 finished", "main/s#4 failed"])
            #expect(tally.statusWhileActing == [.started, .started])
            #expect(try rows(executor) == [7])

            try executor.prepareRetry(id)
            guard case .failed = try executor.execute(id) else { Issue.record("the retry should fail again"); return }
            // Replayed: the read, the change and the finished action ran once; the failed action ran again.
            #expect(tally.reads == 1)
            #expect(try rows(executor) == [7])
            #expect(tally.acts == [false, true, true])
        }
    }

    @Test("a transactional effect that fails leaves neither its change nor a journal entry")
    func transactionalFailure() throws {
        try withEngine("""
            plan main() {
                t.write(-1)
            }
            """) { executor, id, _ in
            guard case .failed(let message) = try executor.execute(id) else { Issue.record("the run should fail"); return }
            #expect(message.contains("negative"))
            #expect(try rows(executor).isEmpty)
            #expect(try journal(executor, id).isEmpty)
        }
    }
}
