import Foundation
@testable import PlatCMDB
import Testing

@Suite("models: typed attributes, unique rules, instances, associations")
struct ModelTests {
    @Test("attribute specs: type, required, regex")
    func attributeSpecs() throws {
        let a = try CMDB.parseAttribute("name:string!~^sw-[0-9]+$")
        #expect(a.name == "name" && a.type == .string && a.required && a.regex == "^sw-[0-9]+$")
        #expect(try CMDB.parseAttribute("state:enum(up,down)").type == .enumeration(["up", "down"]))
        #expect(try CMDB.parseAttribute("vlans:enum-multi(a,b)").type == .enumMulti(["a", "b"]))
        #expect(try CMDB.parseAttribute("notes:long-text").type == .text)
        #expect(cmdbError { _ = try CMDB.parseAttribute("ports:integr") }?.hint == "did you mean 'int'?")
        #expect(cmdbError { _ = try CMDB.parseAttribute("ports") }?.kind == .invalid)
        #expect(cmdbError { _ = try CMDB.parseAttribute("bad name:int") }?.kind == .invalid)
        #expect(cmdbError { _ = try CMDB.parseAttribute("x:string~([") }?.kind == .invalid)
    }

    @Test("every attribute type checks its values", arguments: [
        ("string", String(repeating: "x", count: 256), true), ("string", String(repeating: "x", count: 257), false),
        ("text", String(repeating: "x", count: 5000), true),
        ("int", "42", true), ("int", "-7", true), ("int", "4.2", false), ("int", "x", false),
        ("float", "4.25", true), ("float", "nan", false), ("float", "inf", false),
        ("bool", "true", true), ("bool", "no", true), ("bool", "maybe", false),
        ("enum(up,down)", "up", true), ("enum(up,down)", "Up", false),
        ("enum-multi(a,b,c)", "a,c", true), ("enum-multi(a,b,c)", "a,d", false),
        ("date", "2026-02-28", true), ("date", "2026-02-30", false), ("date", "2026-2-1", false),
        ("time", "2026-03-01T09:30:00+08:00", true), ("time", "2026-03-01 09:30", true), ("time", "09:30", false),
        ("user", "alice,bob.smith", true), ("user", "alice smith", false),
        ("list", "a,b,c", true),
    ])
    func typeChecks(_ type: String, _ value: String, _ ok: Bool) throws {
        let t = try AttributeType.parse(type)
        switch t.parse(text: value) {
        case .success: #expect(ok, "\(type) accepted '\(value)'")
        case .failure(let p): #expect(!ok, "\(type) refused '\(value)': \(p.reason)")
        }
    }

    @Test("instances: required, regex, unique rules checked together")
    func instances() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addModel("switch", classification: "network", attributes: [
            try CMDB.parseAttribute("name:string!~^sw-"), try CMDB.parseAttribute("site:string"),
            try CMDB.parseAttribute("rack:int"), try CMDB.parseAttribute("ports:int"),
        ], unique: [["name"], ["site", "rack"]])
        let sw1 = try t.cmdb.addInstance(model: "switch", t.cmdb.parseInstanceInput(model: "switch", [("name", "sw-1"), ("site", "sh"), ("rack", "1")]))
        #expect(sw1["rack"] == .int(1))
        #expect(cmdbError { try t.cmdb.addInstance(model: "switch", ["site": .string("sh")]) }?.message.contains("name is required") == true)
        #expect(cmdbError { try t.cmdb.addInstance(model: "switch", ["name": .string("core")]) }?.message.contains("does not match the pattern ^sw-") == true)
        let dupName = cmdbError { try t.cmdb.addInstance(model: "switch", ["name": .string("sw-1")]) }
        #expect(dupName?.kind == .conflict && dupName?.message == "switch #\(sw1.id) already has name=sw-1")
        // (site, rack) together: same site, other rack is fine; same pair is not.
        try t.cmdb.addInstance(model: "switch", ["name": .string("sw-2"), "site": .string("sh"), "rack": .int(2)])
        #expect(cmdbError { try t.cmdb.addInstance(model: "switch", ["name": .string("sw-3"), "site": .string("sh"), "rack": .int(1)]) }?.kind == .conflict)
        // A rule with a missing field does not apply.
        try t.cmdb.addInstance(model: "switch", ["name": .string("sw-4"), "site": .string("sh")])
        try t.cmdb.addInstance(model: "switch", ["name": .string("sw-5"), "site": .string("sh")])
        #expect(cmdbError { try t.cmdb.updateInstance(id: sw1.id, ["name": .string("sw-2")]) }?.kind == .conflict)
        try t.cmdb.updateInstance(id: sw1.id, ["ports": .int(48)])
        #expect(try t.cmdb.instances(model: "switch", where: "ports >= 24").map(\.id) == [sw1.id])
        #expect(try t.cmdb.instances(model: "switch", where: #"name starts_with "sw-""#).count == 4)
        #expect(throws: FilterError.self) { _ = try t.cmdb.instances(model: "switch", where: "port > 1") }
        #expect(cmdbError { try t.cmdb.addUniqueRule(model: "switch", fields: ["site"]) }?.message.contains("already share (site) = sh") == true)
        #expect(cmdbError { try t.cmdb.addAttribute(model: "switch", CMDB.parseAttribute("owner:user!")) }?.kind == .conflict)
        #expect(try t.cmdb.resolveInstance(model: "switch", "sw-2")["name"] == .string("sw-2"))
    }

    @Test("associations enforce their mapping on every link and apply their on-delete rule")
    func associations() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addModel("rack", attributes: [try CMDB.parseAttribute("name:string!")], unique: [["name"]])
        try t.cmdb.addModel("switch", attributes: [try CMDB.parseAttribute("name:string!")])
        try t.cmdb.addModel("lb", attributes: [try CMDB.parseAttribute("name:string!")])
        let r1 = try t.cmdb.addInstance(model: "rack", ["name": .string("r1")])
        let r2 = try t.cmdb.addInstance(model: "rack", ["name": .string("r2")])
        let s1 = try t.cmdb.addInstance(model: "switch", ["name": .string("s1")])
        let s2 = try t.cmdb.addInstance(model: "switch", ["name": .string("s2")])
        let lb = try t.cmdb.addInstance(model: "lb", ["name": .string("lb1")])
        let h1 = try t.add("inner_ip=10.0.0.1"), h2 = try t.add("inner_ip=10.0.0.2")

        // 1:n: a rack holds many switches, a switch sits in one rack.
        try t.cmdb.addAssociation("rack-holds-switch", src: "rack", dst: "switch", kind: "groups", mapping: .oneToMany, onDelete: .cascade)
        try t.cmdb.link("rack-holds-switch", src: r1.id, dst: s1.id)
        try t.cmdb.link("rack-holds-switch", src: r1.id, dst: s2.id)
        #expect(cmdbError { try t.cmdb.link("rack-holds-switch", src: r2.id, dst: s1.id) }?.message.contains("1:n: switch s1 is already linked from rack r1") == true)
        #expect(cmdbError { try t.cmdb.link("rack-holds-switch", src: r1.id, dst: s1.id) }?.kind == .conflict)
        #expect(cmdbError { try t.cmdb.link("rack-holds-switch", src: s1.id, dst: s2.id) }?.kind == .notFound)
        // 1:1: a load balancer fronts one host and a host has one.
        try t.cmdb.addAssociation("lb-fronts-host", src: "lb", dst: "host", kind: "connects", mapping: .oneToOne, onDelete: .refuse)
        try t.cmdb.link("lb-fronts-host", src: lb.id, dst: h1.id)
        #expect(cmdbError { try t.cmdb.link("lb-fronts-host", src: lb.id, dst: h2.id) }?.message.contains("1:1") == true)
        // n:n: anything goes, once.
        try t.cmdb.addAssociation("switch-connects-host", src: "switch", dst: "host", kind: "connects", mapping: .manyToMany)
        for s in [s1, s2] { for h in [h1, h2] { try t.cmdb.link("switch-connects-host", src: s.id, dst: h.id) } }
        #expect(try t.cmdb.links(model: "host", id: h1.id).count == 3)

        #expect(cmdbError { try t.cmdb.addAssociation("x", src: "rack", dst: "host", kind: "groups", mapping: .oneToMany, onDelete: .cascade) }?.kind == .invalid)
        #expect(cmdbError { try t.cmdb.addAssociation("y", src: "rack", dst: "lb", kind: "owns", mapping: .oneToMany) }?.hint?.contains("add one") == true)
        try t.cmdb.addAssociationKind("owns")
        try t.cmdb.addAssociation("y", src: "rack", dst: "lb", kind: "owns", mapping: .oneToMany)

        // refuse: the host and the lb keep each other.
        #expect(cmdbError { try t.cmdb.deleteHost(id: h1.id) }?.message.contains("on-delete rule is refuse") == true)
        #expect(cmdbError { try t.cmdb.deleteInstance(id: lb.id) }?.kind == .conflict)
        try t.cmdb.unlink("lb-fronts-host", src: lb.id, dst: h1.id)
        try t.cmdb.deleteInstance(id: lb.id)
        // cascade: deleting the rack deletes its switches, whose n:n links to hosts go with them (unlink).
        try t.cmdb.deleteInstance(id: r1.id)
        #expect(try t.cmdb.instance(id: s1.id) == nil && t.cmdb.instance(id: s2.id) == nil)
        #expect(try t.count("cmdb_links") == 0)
        #expect(try t.cmdb.instance(id: r2.id) != nil)
        #expect(cmdbError { try t.cmdb.deleteModel("switch") }?.message.contains("rack-holds-switch") == true)
    }

    @Test("custom host fields: typed, required rules, removed with their values")
    func customHostFields() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("env:enum(prod,test)"))
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("rack_unit:int"))
        let h = try t.add("inner_ip=10.0.0.1", "env=prod", "rack_unit=12")
        #expect(h["env"] == .string("prod") && h["rack_unit"] == .int(12))
        #expect(cmdbError { try t.add("inner_ip=10.0.0.2", "env=dev") }?.message.contains("not one of prod, test") == true)
        #expect(cmdbError { try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("city:string")) }?.kind == .conflict)
        #expect(cmdbError { try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("owner:user!")) }?.message.contains("cannot start out required") == true)
        try t.cmdb.removeAttribute(model: "host", "rack_unit")
        #expect(try t.cmdb.host(id: h.id)?["rack_unit"] == .null)
        #expect(try t.db.queryOne("SELECT custom FROM cmdb_hosts WHERE id = ?", h.id)?.string("custom") == "{\"env\":\"prod\"}")
        #expect(cmdbError { try t.cmdb.addUniqueRule(model: "host", fields: ["env"]) }?.kind == .invalid)
    }
}
