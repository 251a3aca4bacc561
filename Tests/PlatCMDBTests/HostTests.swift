import Foundation
@testable import PlatCMDB
import Testing

@Suite("hosts: fields, uniqueness, add/edit/copy/delete, events")
struct HostTests {
    @Test("a host keeps every built-in field, typed")
    func fieldsRoundTrip() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let h = try t.add("inner_ip=10.0.0.5,10.0.0.6", "outer_ip=54.1.2.3", "hostname=web-01", "os_type=linux",
                          "os_name=Ubuntu", "os_version=22.04", "cpu=8", "mem=16384", "disk=200", "cloud_vendor=aws",
                          "instance_id=i-0abc", "region=us-east-1", "zone=us-east-1a", "city=shanghai", "sla=2",
                          "operator=alice,bob", "bak_operator=carol", "state=running", "comment=front end, nginx",
                          "transport=ssh", "ssh_user=deploy", "ssh_port=2222", "ssh_key=~/.ssh/id_ed25519")
        #expect(h.innerIPs == ["10.0.0.5", "10.0.0.6"])
        #expect(h["cpu"] == .int(8))
        #expect(h["operator"] == .list(["alice", "bob"]))
        #expect(h["comment"] == .string("front end, nginx"))
        #expect(h["cloud_area"] == .int(0))
        #expect(h["addressing"] == .string("static"))
        #expect(h["created_at"] == .string("2027-01-15T08:00:00Z"))
        #expect(h.biz == nil && h.modules.isEmpty)
        let again = try #require(try t.cmdb.host(id: h.id))
        #expect(again == h)
    }

    @Test("type errors name the field and the reason; all of them at once")
    func typeErrors() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let e = cmdbError { try t.add("inner_ip=10.0.0.300", "cpu=eight", "os_type=linx") }
        #expect(e?.kind == .invalid)
        #expect(e?.message.contains("inner_ip: '10.0.0.300' is not an IPv4 or IPv6 address") == true)
        #expect(e?.message.contains("cpu: expected an int, got 'eight'") == true)
        #expect(e?.message.contains("did you mean 'linux'") == true)
        let unknown = cmdbError { try t.add("inner_ip=10.0.0.1", "cty=sh") }
        #expect(unknown?.message.contains("unknown field 'cty' (did you mean 'city'?)") == true)
        #expect(try t.count("cmdb_hosts") == 0)
    }

    @Test("inner IPs are unique within a cloud area, for statically addressed hosts only")
    func uniqueness() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.add("inner_ip=10.0.0.5", "hostname=a")
        let dup = cmdbError { try t.add("inner_ip=10.0.0.5", "hostname=b") }
        #expect(dup?.kind == .conflict)
        #expect(dup?.message == "inner IP 10.0.0.5 is already used in cloud area 0 by host #1 (a)")
        // The same IP in another cloud area is another machine.
        try t.add("inner_ip=10.0.0.5", "cloud_area=1", "hostname=c")
        // Dynamically addressed hosts may share an IP (DHCP leases move).
        try t.add("inner_ip=10.0.0.5", "addressing=dynamic", "hostname=d")
        try t.add("inner_ip=10.0.0.5", "addressing=dynamic", "hostname=e")
        // An outer IP equal to someone's inner IP is not a conflict, nor one equal to the host's own inner IP.
        try t.add("inner_ip=10.0.0.9", "outer_ip=10.0.0.5", "hostname=f")
        try t.add("inner_ip=10.0.0.6", "outer_ip=10.0.0.6", "hostname=f2")
        try t.add("inner_ip=10.0.0.6", "outer_ip=10.0.0.6", "addressing=dynamic", "hostname=f3")
        // Turning a dynamic host static claims its inner IP, and is refused when a static host has it.
        let f3 = try t.cmdb.resolveHost("f3")
        #expect(cmdbError { _ = try t.cmdb.updateHost(id: f3.id, ["addressing": .string("static")]) }?.kind == .conflict)
        _ = try t.cmdb.updateHost(id: f3.id, ["addressing": .string("static"), "inner_ip": .list(["10.0.0.8"])])
        #expect(cmdbError { try t.add("inner_ip=10.0.0.8", "hostname=f4") }?.kind == .conflict)
        try t.cmdb.deleteHost(id: f3.id)
        try t.cmdb.deleteHost(id: try t.cmdb.resolveHost("f2").id)
        // A second inner IP that collides is caught too, and nothing of the failed host remains.
        let second = cmdbError { try t.add("inner_ip=10.0.0.7,10.0.0.5", "hostname=g") }
        #expect(second?.kind == .conflict)
        #expect(try t.count("cmdb_hosts") == 5)
        #expect(try t.db.queryOne("SELECT count(*) AS n FROM cmdb_host_ips WHERE host_id NOT IN (SELECT id FROM cmdb_hosts)")?.int("n") == 0)
        // IPv6 is canonicalised before comparison.
        try t.add("inner_ip=2001:DB8:0:0::1", "hostname=v6")
        #expect(cmdbError { try t.add("inner_ip=2001:db8::1") }?.kind == .conflict)
        // Required: a static host needs an inner IP; a dynamic one at least a hostname.
        #expect(cmdbError { try t.add("hostname=x") }?.message.contains("inner_ip is required") == true)
        #expect(cmdbError { try t.add("addressing=dynamic") }?.message.contains("hostname is required") == true)
        try t.add("addressing=dynamic", "hostname=laptop")
    }

    @Test("edit, copy and delete write events with before and after")
    func editCopyDeleteEvents() throws {
        let t = try TestCMDB(actor: "alice"); defer { t.remove() }
        let h = try t.add("inner_ip=10.0.0.5", "hostname=web-01", "sla=1")
        t.now += 60
        let edited = try t.cmdb.updateHost(id: h.id, ["sla": .int(3), "city": .string("bj")])
        #expect(edited["sla"] == .int(3))
        #expect(edited["updated_at"] == .string("2027-01-15T08:01:00Z"))
        // An edit that changes nothing writes no event.
        _ = try t.cmdb.updateHost(id: h.id, ["sla": .int(3)])
        let copy = try t.cmdb.copyHost(id: h.id, overrides: ["inner_ip": .list(["10.0.0.6"]), "hostname": .string("web-02")])
        #expect(copy["city"] == .string("bj") && copy.id != h.id)
        #expect(cmdbError { try t.cmdb.copyHost(id: h.id, overrides: [:]) }?.kind == .conflict)
        try t.cmdb.deleteHost(id: copy.id)
        #expect(try t.cmdb.host(id: copy.id) == nil)

        let events = try t.cmdb.events(after: 0)
        #expect(events.map(\.kind) == ["create", "update", "create", "delete"])
        #expect(events.map(\.cursor) == [1, 2, 3, 4])
        #expect(events.allSatisfy { $0.who == "alice" && $0.resource == "host" })
        #expect(events[1].before?.contains("\"sla\":1") == true)
        #expect(events[1].after?.contains("\"sla\":3") == true)
        #expect(events[1].after?.contains("\"city\":\"bj\"") == true)
        #expect(events[3].before?.contains("web-02") == true && events[3].after == nil)
        #expect(try t.cmdb.events(after: 2).map(\.cursor) == [3, 4])
    }

    @Test("hosts are found by IP, hostname or #id")
    func resolve() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let a = try t.add("inner_ip=10.0.0.5", "hostname=web-01")
        try t.add("inner_ip=10.0.0.5", "cloud_area=2", "hostname=web-02")
        #expect(try t.cmdb.resolveHost("web-01").id == a.id)
        #expect(try t.cmdb.resolveHost("#\(a.id)").id == a.id)
        #expect(try t.cmdb.resolveHost("10.0.0.5", cloudArea: 0).id == a.id)
        #expect(cmdbError { _ = try t.cmdb.resolveHost("10.0.0.5") }?.message.contains("matches 2 hosts") == true)
        #expect(cmdbError { _ = try t.cmdb.resolveHost("nope") }?.kind == .notFound)
    }
}
