import Foundation
import PlatStore
import Testing

/// Another process holding the database's write lock past the busy timeout mid-run stops the run as
/// resumable with the cause logged, never failed; and resuming a run that already succeeded is no error.
@Suite(.serialized)
struct LockedDatabaseTests {
    @Test("a write lock held for more than 10 s mid-run stops the run resumable, with the cause; resume finishes it")
    func lockHeldMidRun() throws {
        let dir = try Binary.tempDir("locked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ready = dir.appendingPathComponent("ready").path
        let go = dir.appendingPathComponent("go").path
        try """
            plan main(ready: string, go: string) {
                step "wait" { sh("touch \\"$R\\"; while [ ! -e \\"$G\\" ]; do sleep 0.05; done", env: {R: ready, G: go}) }
                step "after" { sh("echo after") }
            }
            """.write(to: dir.appendingPathComponent("f.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("p.db").path
        let run = try Binary.start(["run", "f.plat", "--param", "ready=\(ready)", "--param", "go=\(go)", "--db", db],
                                   in: dir, tag: "run")
        #expect(Binary.waitUntil { FileManager.default.fileExists(atPath: ready) })
        // Hold the write lock past the run's busy timeout (10 s), then let the command finish under it.
        let holder = try Database(path: db)
        try holder.execute("BEGIN IMMEDIATE")
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        let errURL = dir.appendingPathComponent("run.err")
        // Released once the run has given up on the journal and said why, so it can record itself pending.
        #expect(Binary.waitUntil(seconds: 40) {
            ((try? String(contentsOf: errURL, encoding: .utf8)) ?? "").contains("database stayed locked")
        })
        try holder.execute("ROLLBACK")
        run.waitUntilExit()
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        #expect(run.terminationStatus == 3, "\(err)")
        #expect(err.contains("database stayed locked"), "\(err)")
        let status = try #require(try Binary.newestRunStatus(db: db, in: dir))
        #expect(status["status"] as? String == "pending", "\(status)")
        let id = try #require(status["id"] as? String)
        let (code, _, resumeErr) = try Binary.run(["resume", id, "--db", db], in: dir)
        #expect(code == 0, "\(resumeErr)")
        let (_, logs, _) = try Binary.run(["logs", id, "--db", db], in: dir)
        #expect(logs.contains("database stayed locked"), "\(logs)")
    }

    @Test("resume of a run that already succeeded exits 0 and says so")
    func resumeSucceeded() throws {
        let dir = try Binary.tempDir("resume-done")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "plan main() { print(\"hi\") }\n".write(to: dir.appendingPathComponent("f.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("p.db").path
        let (code, _, err) = try Binary.run(["run", "f.plat", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let (again, _, againErr) = try Binary.run(["resume", id, "--db", db], in: dir)
        #expect(again == 0, "\(againErr)")
        #expect(againErr.contains("already succeeded"), "\(againErr)")
    }
}
