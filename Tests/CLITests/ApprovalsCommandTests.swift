import Foundation
import Testing

/// `platflow approvals`: what waits for whom.
@Suite("approvals command")
struct ApprovalsCommandTests {
    @Test("a run waiting at an approve() is listed with its step, message, approvers and votes; gone once decided")
    func waitingApproval() throws {
        try CLI.with { cli in
            try cli.write("g.plat", """
                plan ship() {
                    step "gate" { approve("ship 1.4?", approvers: ["ann", "\(NSUserName())"]) }
                    print("shipped")
                }

                """)
            let empty = try cli.run(["approvals"])
            expectExit(empty, 0)
            #expect(empty.stdout.isEmpty && empty.stderr.hasPrefix("no run is waiting for an approval"), "\(empty)")
            let start = try cli.run(["run", "g.plat", "ship", "--detach"])
            expectExit(start, 0)
            let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try RunLifecycleTests.waitFor(cli, id, status: "waiting"))
            let json = try cli.run(["approvals", "--json"])
            expectExit(json, 0)
            let list = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [[String: Any]] ?? []
            #expect(list.count == 1, "\(json)")
            let first = try #require(list.first)
            #expect(first["run"] as? String == id && first["plan"] as? String == "ship", "\(json)")
            #expect(first["step"] as? String == "ship/gate" && first["message"] as? String == "ship 1.4?", "\(json)")
            #expect(first["approvers"] as? [String] == ["ann", NSUserName()] && first["quorum"] as? Int == 1, "\(json)")
            #expect((first["since"] as? Double ?? 0) > 0 && (first["approved_by"] as? [String])?.isEmpty == true, "\(json)")
            let table = try cli.run(["approvals"])
            expectExit(table, 0)
            #expect(table.stdout.hasPrefix("RUN "), "\(table)")
            #expect(table.stdout.contains("\(id)  ship/gate  ship 1.4?  ann,\(NSUserName())   0/1"), "\(table)")
            expectExit(try cli.run(["approve", id]), 0)
            #expect(try RunLifecycleTests.waitFor(cli, id, status: "succeeded"))
            let after = try cli.run(["approvals", "--json"])
            #expect(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]"
                        || ((try? JSONSerialization.jsonObject(with: Data(after.stdout.utf8))) as? [Any])?.isEmpty == true, "\(after)")
        }
    }

    @Test("approvals takes no arguments")
    func noArguments() throws {
        try CLI.with { cli in
            let r = try cli.run(["approvals", "extra"])
            expectExit(r, 2)
            #expect(r.stderr.contains("approvals takes no argument 'extra'"), "\(r)")
        }
    }
}
