import Foundation
@testable import PlatCMDB
import Testing

@Suite("change events: cursors, retention, expiry")
struct EventTests {
    @Test("cursors grow and never repeat, even after old events are removed")
    func cursors() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let a = try t.add("inner_ip=10.0.0.1")
        try t.cmdb.updateHost(id: a.id, ["sla": .int(1)])
        #expect(try t.cmdb.events(after: 0).map(\.cursor) == [1, 2])
        #expect(try t.cmdb.events(after: 1).map(\.cursor) == [2])
        #expect(try t.cmdb.events(after: 2).isEmpty)
        #expect(try t.cmdb.events(after: 0, limit: 1).map(\.cursor) == [1])
        t.now += 8 * 86_400
        #expect(try t.cmdb.pruneEvents() == 2)
        try t.cmdb.updateHost(id: a.id, ["sla": .int(2)])
        #expect(try t.cmdb.latestCursor() == 3)
        #expect(try t.cmdb.events(after: 2).map(\.cursor) == [3])
    }

    @Test("a cursor older than the retention is an error naming the oldest cursor available")
    func expiry() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let a = try t.add("inner_ip=10.0.0.1")
        t.now += 86_400
        try t.cmdb.updateHost(id: a.id, ["sla": .int(1)])
        t.now += 6.5 * 86_400
        try t.cmdb.updateHost(id: a.id, ["sla": .int(2)])
        // Event 1 is now 7.5 days old, event 2 is 6.5 days old.
        let e = cmdbError { _ = try t.cmdb.events(after: 0) }
        #expect(e?.message == "cursor 0 has expired: events up to 1 were removed by the 7-day retention")
        #expect(e?.hint?.contains("the oldest cursor available is 1") == true)
        #expect(try t.cmdb.events(after: 1).map(\.cursor) == [2, 3])
        // A shorter retention removes more.
        try t.cmdb.setRetention(86_400)
        #expect(cmdbError { _ = try t.cmdb.events(after: 1) }?.message == "cursor 1 has expired: events up to 2 were removed by the 1-day retention")
        #expect(cmdbError { try t.cmdb.setRetention(1) }?.kind == .invalid)
        #expect(cmdbError { _ = try t.cmdb.events(after: -5) }?.kind != nil)
    }

    @Test("every kind of change writes an event in its own transaction")
    func everyChange() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addBiz("shop")
        try t.cmdb.addSet(biz: "shop", "web")
        try t.cmdb.addModule(biz: "shop", set: "web", "nginx")
        let h = try t.add("inner_ip=10.0.0.1")
        try t.cmdb.transfer(hostIDs: [h.id], to: .modules(["shop/web/nginx"]))
        try t.cmdb.addModel("switch", attributes: [try CMDB.parseAttribute("name:string")])
        let sw = try t.cmdb.addInstance(model: "switch", ["name": .string("s1")])
        try t.cmdb.updateInstance(id: sw.id, ["name": .string("s2")])
        try t.cmdb.deleteInstance(id: sw.id)
        try t.cmdb.addGroup("g", filter: "sla > 1")
        let kinds = try t.cmdb.events(after: 0).map { "\($0.resource) \($0.kind)" }
        #expect(kinds == ["biz create", "set create", "module create", "host create", "host transfer", "model create",
                          "instance create", "instance update", "instance delete", "group create"])
        // A failed change leaves no event behind.
        let before = try t.cmdb.latestCursor()
        #expect(cmdbError { try t.cmdb.addBiz("shop") } != nil)
        #expect(cmdbError { try t.cmdb.transfer(hostIDs: [h.id], to: .pool) } != nil)
        #expect(try t.cmdb.latestCursor() == before)
    }
}
