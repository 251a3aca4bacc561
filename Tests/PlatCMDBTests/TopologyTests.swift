import Foundation
@testable import PlatCMDB
import Testing

@Suite("topology: businesses, built-in modules, transfer rules, names, set templates")
struct TopologyTests {
    /// shop with set web (modules nginx, php) and set db (mysql); hosts a, b, c in the pool.
    func shop(_ t: TestCMDB) throws -> (HostRecord, HostRecord, HostRecord) {
        try t.cmdb.addBiz("shop")
        try t.cmdb.addSet(biz: "shop", "web")
        try t.cmdb.addModule(biz: "shop", set: "web", "nginx")
        try t.cmdb.addModule(biz: "shop", set: "web", "php")
        try t.cmdb.addSet(biz: "shop", "db")
        try t.cmdb.addModule(biz: "shop", set: "db", "mysql")
        return (try t.add("inner_ip=10.0.0.1", "hostname=a"), try t.add("inner_ip=10.0.0.2", "hostname=b"),
                try t.add("inner_ip=10.0.0.3", "hostname=c"))
    }

    @Test("a business comes with an idle set of idle, fault and recycle that cannot be renamed or removed")
    func builtins() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addBiz("shop")
        let tree = try t.cmdb.tree(biz: "shop")
        #expect(tree.sets.map(\.name) == ["idle"])
        #expect(tree.sets[0].modules.map(\.name) == ["fault", "idle", "recycle"])
        #expect(cmdbError { try t.cmdb.renameModule("shop/idle/idle", to: "spare") }?.message.contains("built in") == true)
        #expect(cmdbError { try t.cmdb.deleteModule("shop/idle/fault") }?.message.contains("built in") == true)
        #expect(cmdbError { try t.cmdb.renameSet(biz: "shop", "idle", to: "spare") }?.message.contains("built in") == true)
        #expect(cmdbError { try t.cmdb.deleteSet(biz: "shop", "idle") }?.message.contains("built in") == true)
        #expect(cmdbError { try t.cmdb.addModule(biz: "shop", set: "idle", "extra") }?.kind == .conflict)
        #expect(cmdbError { try t.cmdb.addBiz("shop") }?.kind == .conflict)
    }

    @Test("names may not contain \\ | / : * , < > \" ? # or whitespace", arguments: ["a/b", "a b", "a|b", "a:b", "a*b", "a,b", "a<b", "a>b", "a\"b", "a?b", "a#b", "a\\b", "a\tb", ""])
    func forbiddenNames(_ name: String) throws {
        let t = try TestCMDB(); defer { t.remove() }
        #expect(cmdbError { try t.cmdb.addBiz(name) }?.kind == .invalid)
        try t.cmdb.addBiz("ok-name_1.x")
        #expect(cmdbError { try t.cmdb.addSet(biz: "ok-name_1.x", name) }?.kind == .invalid)
    }

    @Test("transfer: from the pool, replace, append, built-in exclusivity, back to the pool")
    func transferRules() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (a, b, _) = try shop(t)
        let out = try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/web/nginx"]))
        #expect(out[0].before == [] && out[0].after == ["shop/web/nginx"])
        #expect(try t.cmdb.host(id: a.id)?.biz == "shop")
        // Replace is the default; --append adds.
        try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/web/php"]))
        #expect(try t.cmdb.host(id: a.id)?.modules == ["web/php"])
        try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/db/mysql"]), append: true)
        #expect(try t.cmdb.host(id: a.id)?.modules == ["db/mysql", "web/php"])
        // Built-in and normal at once: refused in one call and by append.
        #expect(cmdbError { try t.cmdb.transfer(hostIDs: [b.id], to: .modules(["shop/idle/idle", "shop/web/php"])) }?.message
            .contains("built-in module (idle) and a normal one") == true)
        #expect(cmdbError { try t.cmdb.transfer(hostIDs: [a.id], to: .builtin(biz: "shop", .fault), append: true) }?.kind == .conflict)
        // Only a host solely in idle returns to the pool.
        #expect(cmdbError { try t.cmdb.transfer(hostIDs: [a.id], to: .pool) }?.message.contains("only hosts solely in their business's idle module") == true)
        try t.cmdb.transfer(hostIDs: [a.id], to: .builtin(biz: "shop", .fault))
        #expect(cmdbError { try t.cmdb.transfer(hostIDs: [a.id], to: .pool) }?.kind == .conflict)
        try t.cmdb.transfer(hostIDs: [a.id], to: .builtin(biz: "shop", .idle))
        // Appending a normal module takes the host out of idle.
        try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/web/nginx"]), append: true)
        #expect(try t.cmdb.host(id: a.id)?.modules == ["web/nginx"])
        try t.cmdb.transfer(hostIDs: [a.id], to: .builtin(biz: "shop", .idle))
        try t.cmdb.transfer(hostIDs: [a.id], to: .pool)
        let back = try #require(try t.cmdb.host(id: a.id))
        #expect(back.biz == nil && back.modules.isEmpty)
        let kinds = try t.cmdb.events(after: 0).filter { $0.resource == "host" && $0.kind == "transfer" }
        #expect(kinds.count == 8)
        #expect(kinds.last?.before == "{\"biz\":\"shop\",\"modules\":[\"shop/idle/idle\"]}")
        #expect(kinds.last?.after == "{\"biz\":null,\"modules\":[]}")
    }

    @Test("transfers are all or nothing, and a host changes business only from its idle set")
    func transferAtomicAndCrossBusiness() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (a, b, c) = try shop(t)
        try t.cmdb.addBiz("blog")
        try t.cmdb.addSet(biz: "blog", "web")
        try t.cmdb.addModule(biz: "blog", set: "web", "caddy")
        try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/web/nginx"]))
        try t.cmdb.transfer(hostIDs: [b.id], to: .builtin(biz: "shop", .recycle))
        let e = cmdbError { try t.cmdb.transfer(hostIDs: [b.id, a.id, c.id], to: .modules(["blog/web/caddy"])) }
        #expect(e?.message.contains("nothing was transferred") == true)
        #expect(e?.message.contains("a host changes business only from its idle set") == true)
        #expect(try t.cmdb.host(id: c.id)?.biz == nil)
        #expect(try t.cmdb.host(id: b.id)?.biz == "shop")
        try t.cmdb.transfer(hostIDs: [b.id, c.id], to: .modules(["blog/web/caddy"]))
        #expect(try t.cmdb.host(id: b.id)?.biz == "blog")
        #expect(cmdbError { try t.cmdb.transfer(hostIDs: [c.id], to: .modules(["shop/web/nginx", "blog/web/caddy"])) }?.message.contains("two businesses") == true)
    }

    @Test("delete refuses a host in a business unless forced")
    func deleteRules() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (a, b, _) = try shop(t)
        try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/web/nginx"]))
        let e = cmdbError { try t.cmdb.deleteHost(id: a.id) }
        #expect(e?.kind == .conflict && e?.message.contains("shop/web/nginx") == true)
        try t.cmdb.deleteHost(id: a.id, force: true)
        try t.cmdb.deleteHost(id: b.id)
        #expect(try t.count("cmdb_hosts") == 1)
        #expect(try t.count("cmdb_host_modules") == 0)
        #expect(cmdbError { try t.cmdb.deleteModule("shop/web/nginx") } == nil)
    }

    @Test("modules and sets holding hosts cannot be removed")
    func removeInUse() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (a, _, _) = try shop(t)
        try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/web/php"]))
        #expect(cmdbError { try t.cmdb.deleteModule("shop/web/php") }?.message.contains("still has 1 host") == true)
        #expect(cmdbError { try t.cmdb.deleteSet(biz: "shop", "web") }?.kind == .conflict)
        #expect(cmdbError { try t.cmdb.deleteBiz("shop") }?.kind == .conflict)
        try t.cmdb.renameModule("shop/web/php", to: "fpm")
        #expect(try t.cmdb.host(id: a.id)?.modules == ["web/fpm"])
    }

    @Test("set templates create sets; a template change is previewed, then synced")
    func templates() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addBiz("shop")
        try t.cmdb.addSetTemplate("webtpl", modules: ["nginx", "php"])
        try t.cmdb.addSet(biz: "shop", "web-sh", template: "webtpl")
        try t.cmdb.addSet(biz: "shop", "web-bj", template: "webtpl")
        #expect(try t.cmdb.tree(biz: "shop").sets.first { $0.name == "web-sh" }?.modules.map(\.name) == ["nginx", "php"])
        #expect(cmdbError { try t.cmdb.addModule(biz: "shop", set: "web-sh", "extra") }?.message.contains("template webtpl") == true)
        let h = try t.add("inner_ip=10.0.0.1")
        try t.cmdb.transfer(hostIDs: [h.id], to: .modules(["shop/web-bj/php"]))

        try t.cmdb.editSetTemplate("webtpl", addModules: ["redis"], removeModules: ["php"])
        let drift = try t.cmdb.templateDrift("webtpl")
        #expect(drift.map(\.set) == ["shop/web-bj", "shop/web-sh"])
        #expect(drift.allSatisfy { $0.add == ["redis"] && $0.remove == ["php"] })
        #expect(drift[0].blocked == ["php": 1] && drift[1].blocked.isEmpty)
        // The preview changed nothing; the sync refuses while php still has a host, then goes through.
        #expect(try t.cmdb.tree(biz: "shop").sets.first { $0.name == "web-sh" }?.modules.map(\.name) == ["nginx", "php"])
        #expect(cmdbError { try t.cmdb.syncSetTemplate("webtpl") }?.message.contains("shop/web-bj/php (1 host(s))") == true)
        try t.cmdb.transfer(hostIDs: [h.id], to: .modules(["shop/web-bj/nginx"]))
        try t.cmdb.syncSetTemplate("webtpl")
        #expect(try t.cmdb.templateDrift("webtpl").allSatisfy(\.inSync))
        #expect(try t.cmdb.tree(biz: "shop").sets.first { $0.name == "web-sh" }?.modules.map(\.name) == ["nginx", "redis"])
    }

    @Test("full-text documents follow topology changes")
    func ftsFollowsTopology() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (a, _, _) = try shop(t)
        func hits(_ word: String) throws -> Int64 {
            try t.db.queryOne("SELECT count(*) AS n FROM cmdb_fts WHERE cmdb_fts MATCH ?", "\"\(word)\"")?.int("n") ?? -1
        }
        #expect(try hits("nginx") == 0)
        try t.cmdb.transfer(hostIDs: [a.id], to: .modules(["shop/web/nginx"]))
        #expect(try hits("nginx") == 1)
        try t.cmdb.renameModule("shop/web/nginx", to: "openresty")
        #expect(try hits("nginx") == 0 && hits("openresty") == 1)
        try t.cmdb.deleteHost(id: a.id, force: true)
        #expect(try hits("openresty") == 0)
    }
}
