import Foundation
import PlatStore
import Testing

/// The approver is the operating-system account running `platflow approve`, not a name anyone can type:
/// `--as` is refused unless the database's owner allows delegation, and a delegated decision names both.
@Suite(.serialized)
struct ApproverIdentityTests {
    static var me: String { NSUserName() }

    /// A run waiting for an approval by `approvers`; returns its id.
    func waitingRun(_ dir: URL, db: String, approvers: [String]) throws -> String {
        let list = approvers.map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            plan main() {
                step "ask" {
                    let d = approve("ship it?", approvers: [\(list)])
                    print("approved by", d.by)
                }
            }
            """.write(to: dir.appendingPathComponent("ask.plat"), atomically: true, encoding: .utf8)
        let (code, out, err) = try Binary.run(["run", "ask.plat", "--detach", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Binary.waitUntil { try Binary.newestRunStatus(db: db, in: dir)?["status"] as? String == "waiting" })
        return id
    }

    @Test("$USER and PLATFLOW_USER do not make anyone an approver; --as is refused without delegation and its hint does not suggest --as")
    func approverIsTheAccount() throws {
        let dir = try Binary.tempDir("approver")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("a.db").path
        let id = try waitingRun(dir, db: db, approvers: ["alice"])
        let (c1, _, e1) = try Binary.run(["approve", id, "--db", db], in: dir, env: ["USER": "alice", "PLATFLOW_USER": "alice"])
        #expect(c1 == 2 && e1.contains("\(Self.me) is not an approver"), "\(e1)")
        #expect(!e1.contains("--as"), "the refusal suggests --as: \(e1)")
        let (c2, _, e2) = try Binary.run(["approve", id, "--as", "alice", "--db", db], in: dir)
        #expect(c2 == 2 && e2.contains("not allowed on this database") && e2.contains("config set approvals.delegation on"), "\(e2)")
        let check = try Database(path: db)
        #expect(try check.query("SELECT * FROM engine_approval_decisions").isEmpty)
    }

    @Test("with delegation allowed by the owner, --as decides for the person and both names are recorded")
    func delegatedDecisionNamesBoth() throws {
        let dir = try Binary.tempDir("delegate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("d.db").path
        let id = try waitingRun(dir, db: db, approvers: ["alice"])
        let (sc, _, se) = try Binary.run(["config", "set", "approvals.delegation", "on", "--db", db], in: dir)
        #expect(sc == 0, "\(se)")
        let (c, out, err) = try Binary.run(["approve", id, "--as", "alice", "--db", db], in: dir)
        #expect(c == 0, "\(err)")
        #expect(out.contains("as alice (decided by \(Self.me))"), "\(out)")
        let check = try Database(path: db)
        let row = try check.queryOne("SELECT who, decided_by FROM engine_approval_decisions WHERE run_id = ?", id)
        #expect(row?.string("who") == "alice" && row?.string("decided_by") == Self.me)
        let (_, logs, _) = try Binary.run(["logs", id, "--db", db], in: dir)
        #expect(logs.contains("alice (decided by \(Self.me)) approved"), "\(logs)")
    }

    @Test("only the database file's owner may allow delegation")
    func onlyTheOwnerSetsDelegation() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            Issue.record("needs root and setpriv (util-linux) to act as another account")
            return
        }
        let dir = try Binary.tempDir("owner")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("o.db").path
        let (c0, _, e0) = try Binary.run(["config", "list", "--db", db], in: dir)
        #expect(c0 == 0, "\(e0)")
        // Someone else who may write the database but does not own it.
        chmod(dir.path, 0o777)
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) { chmod(dir.appendingPathComponent(f).path, 0o666) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups",
                       Binary.path, "config", "set", "approvals.delegation", "on", "--db", db]
        p.currentDirectoryURL = dir
        let errPipe = Pipe()
        p.standardError = errPipe
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let c = p.terminationStatus
        #expect(c == 2 && err.contains("only the database's owner (\(Self.me)) may change approvals.delegation"), "\(err)")
        let (_, list, _) = try Binary.run(["config", "list", "--db", db], in: dir)
        #expect(list.contains("approvals.delegation  off"), "\(list)")
    }
}
