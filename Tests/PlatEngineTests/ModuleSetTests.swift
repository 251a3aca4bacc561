import Foundation
import PlatEngine
import PlatLang
import PlatStore
import Testing

/// A module as small as a module can be: one table, one effect that writes to it, one event stream over it,
/// and a record of the runs it was told to stop.
final class NotesModule: PlatModule, @unchecked Sendable {
    let name: String
    let extraEffects: [DurableEffect]
    private let lock = NSLock()
    private var stopped: [String] = []

    init(name: String = "notes", extraEffects: [DurableEffect] = []) {
        self.name = name
        self.extraEffects = extraEffects
    }

    var migrations: [Migration] {
        [Migration(module: "notes", version: 1, sql: "CREATE TABLE notes_entries (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, text TEXT NOT NULL)")]
    }

    func effects() -> [DurableEffect] { [AddNoteEffect()] + extraEffects }
    func eventSources() -> [EventSource] { [NoteAddedEvents()] }

    func cancel(runID: String) {
        lock.lock()
        stopped.append(runID)
        lock.unlock()
    }

    var stoppedRuns: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }
}

/// `notes.add(text)`: a row of the module's table, written in the journal entry's transaction; returns its id.
final class AddNoteEffect: DurableEffect {
    let spec = EffectSpec(name: "notes.add", params: ["text"], required: 1, summary: "adds a note")
    let kind = EffectKind.transactional

    func perform(_ ctx: EffectContext) throws -> Value {
        let text = try ctx.args.require("text", .string)
        try ctx.store.db.execute("INSERT INTO notes_entries (run_id, text) VALUES (?, ?)", ctx.runID, text)
        return .int(Int(ctx.store.db.lastInsertRowID))
    }
}

/// `notes.added`: every row of `notes_entries`, its id as the cursor.
struct NoteAddedEvents: EventSource {
    let event = "notes.added"
    func latestCursor(db: Database) throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(id), 0) AS n FROM notes_entries")?.int("n") ?? 0
    }
    func events(db: Database, after cursor: Int64, limit: Int) throws -> [(cursor: Int64, value: Value)] {
        try db.query("SELECT id, text FROM notes_entries WHERE id > ? ORDER BY id LIMIT ?", cursor, Int64(limit)).map {
            (cursor: $0.int("id") ?? 0, value: .string($0.string("text") ?? ""))
        }
    }
    func matching(db: Database, filter: String?, events: [(cursor: Int64, value: Value)]) throws -> Set<Int64> {
        Set(events.map(\.cursor))
    }
    func validate(filter: String, db: Database) throws {}
}

/// An effect named like the engine's `now`, returning a fixed number; it may say that it overrides.
final class FixedNowEffect: DurableEffect {
    let spec = EffectSpec(name: "now", params: [], required: 0, summary: "a fixed time")
    let kind = EffectKind.read
    let overrides: Bool
    init(overrides: Bool) { self.overrides = overrides }

    func perform(_ ctx: EffectContext) throws -> Value { .int(42) }
}

final class CollectedOutput: RunOutput, @unchecked Sendable {
    var text = ""
    var events: [String] = []
    func program(_ text: String) { self.text += text }
    func event(_ event: RunEvent) { events.append(event.text) }
}

/// Modules are handed over as a value: each test builds its own set, and sets with different modules live side
/// by side in one process.
@Suite("module sets: migrations, effects, events and stopping come from the set a store is opened with")
struct ModuleSetTests {
    func folder() throws -> URL { try Binary.tempDir("modules") }

    func write(_ text: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("notes.plat").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func tableExists(_ name: String, _ store: RunStore) throws -> Bool {
        try store.db.queryOne("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", name) != nil
    }

    @Test("a run uses a test-built module's table and effect")
    func moduleEffectInARun() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore.open(path: dir.appendingPathComponent("e.db").path, modules: ModuleSet([NotesModule()]),
                                      durability: .normal)
        #expect(try tableExists("notes_entries", store))
        let plan = try write("""
            plan main() {
                step "write" { print(notes.add("first"), notes.add("second")) }
            }
            """, in: dir)
        let out = CollectedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: plan, plan: nil, params: [:]).id
        let outcome = try executor.execute(id)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome) \(out.events)"); return }
        #expect(out.text == "1 2\n")
        let rows = try store.db.query("SELECT run_id, text FROM notes_entries ORDER BY id")
        #expect(rows.map { $0.string("text") } == ["first", "second"])
        #expect(rows.allSatisfy { $0.string("run_id") == id })
    }

    @Test("a store opened with the engine alone has neither the module's table nor its effect")
    func engineAlone() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore.open(path: dir.appendingPathComponent("e.db").path, modules: ModuleSet(), durability: .normal)
        #expect(try !tableExists("notes_entries", store))
        #expect(store.modules.effects.effects["notes.add"] == nil)
        let plan = try write("plan main() { notes.add(\"x\") }", in: dir)
        let executor = RunExecutor(store: store, output: CollectedOutput())
        #expect(throws: DiagnosticList.self) { try executor.create(file: plan, plan: nil, params: [:]) }
    }

    @Test("two effects of one name are refused, naming both owners")
    func duplicateRefused() throws {
        let clash = NotesModule(name: "clock", extraEffects: [FixedNowEffect(overrides: false)])
        let e1 = try #require(throws: DuplicateEffectError.self) { try ModuleSet([clash]) }
        #expect(e1.name == "now" && e1.earlier == "engine" && e1.later == "clock")
        #expect("\(e1)".contains("engine") && "\(e1)".contains("clock") && "\(e1)".contains("overrides"))

        // Two modules, each with `notes.add`.
        let e2 = try #require(throws: DuplicateEffectError.self) { try ModuleSet([NotesModule(), NotesModule(name: "notes2")]) }
        #expect(e2.name == "notes.add" && e2.earlier == "notes" && e2.later == "notes2")

        // The registry refuses it on its own too.
        var registry = EffectRegistry.engine
        #expect(throws: DuplicateEffectError.self) { try registry.register(FixedNowEffect(overrides: false), from: "clock") }
        #expect(registry.effects["now"].map { !($0 is FixedNowEffect) } == true)
    }

    @Test("an effect that declares it overrides replaces the earlier one, and runs use it")
    func overrideAccepted() throws {
        let fixed = FixedNowEffect(overrides: true)
        let set = try ModuleSet([NotesModule(name: "clock", extraEffects: [fixed])])
        #expect(set.effects.effects["now"] === fixed)
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore.open(path: dir.appendingPathComponent("e.db").path, modules: set, durability: .normal)
        let plan = try write("plan main() { print(now()) }", in: dir)
        let out = CollectedOutput()
        let executor = RunExecutor(store: store, output: out)
        let outcome = try executor.execute(try executor.create(file: plan, plan: nil, params: [:]).id)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome) \(out.events)"); return }
        #expect(out.text == "42\n")
    }

    @Test("stopping a run's work reaches every module of the set, and only of that set")
    func stopWorkReachesModules() throws {
        let a = NotesModule(), b = NotesModule(name: "other")
        let set = try ModuleSet([a])
        let other = try ModuleSet([b])
        set.stopWork(of: "run-1")
        other.stopWork(of: "run-2")
        #expect(a.stoppedRuns == ["run-1"])
        #expect(b.stoppedRuns == ["run-2"])
    }

    @Test("subscriptions find events among the set's modules")
    func subscriptionsUseTheSet() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = try write("""
            on notes.added run main()

            plan main(event: string) { print(event) }
            """, in: dir)
        let set = try ModuleSet([NotesModule()])
        #expect(set.eventNames == ["notes.added"])
        let store = try RunStore.open(path: dir.appendingPathComponent("e.db").path, modules: set, durability: .normal)
        let applied = try ScheduleStore(db: store.db, modules: set).apply(file: plan)
        #expect(applied.added == ["on notes.added → main"])

        let alone = try RunStore.open(path: dir.appendingPathComponent("alone.db").path, modules: ModuleSet(), durability: .normal)
        let refused = try #require(throws: DiagnosticList.self) { try ScheduleStore(db: alone.db, modules: alone.modules).apply(file: plan) }
        #expect("\(refused)".contains("no event 'notes.added' to subscribe to"))
    }
}
