import Foundation
@testable import PlatCMDB
import PlatEngine
import PlatLang
import PlatStore
import Testing

/// Collects what a run prints.
final class CapturedOutput: RunOutput, @unchecked Sendable {
    var text = ""
    var events: [String] = []
    func program(_ text: String) { self.text += text }
    func event(_ event: RunEvent) { events.append(event.text) }
}

@Suite("cmdb.* in .plat: journaled reads, exactly-once changes")
struct EffectTests {
    func setUp(_ folder: String) throws -> (RunStore, CMDB) {
        let store = try RunStore.open(path: folder + "/engine.db", modules: ModuleSet([CMDBModule()]), durability: .normal)
        let cmdb = CMDB(db: store.db, actor: "setup")
        try cmdb.addAttribute(model: "host", CMDB.parseAttribute("env:enum(prod,test)"))
        try cmdb.addBiz("shop")
        try cmdb.addSet(biz: "shop", "web")
        try cmdb.addModule(biz: "shop", set: "web", "nginx")
        for (ip, name, city, env) in [("10.0.0.1", "web-1", "sh", "prod"), ("10.0.0.2", "web-2", "sh", "test"), ("10.0.0.3", "db-1", "bj", "prod")] {
            try cmdb.addHost(["inner_ip": .list([ip]), "hostname": .string(name), "city": .string(city), "env": .string(env)])
        }
        try cmdb.addGroup("by-env", filter: #"env == "prod""#, variables: ["env"])
        return (store, cmdb)
    }

    @Test("hosts, group, update and transfer from a plan")
    func plan() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (store, cmdb) = try setUp(t.folder)
        let file = try t.file("cmdb.plat", #"""
            plan main() {
                let sh = cmdb.hosts(where: "city == \"sh\"")
                print(len(sh), sh[0].name, sh[0].address, sh[0].transport, sh[0].city, sh[0].biz)
                print(len(cmdb.group("by-env")), len(cmdb.group("by-env", env: "test")))
                let h = cmdb.update(sh[0], sla: 3, comment: "edge")
                print(h.sla, h.comment)
                let moved = cmdb.transfer(sh, to: "shop/web/nginx")
                print(moved[1].biz, moved[1].modules)
                print(len(cmdb.hosts(where: "module == \"nginx\"")))
            }
            """#)
        let out = CapturedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: [:]).id
        let outcome = try executor.execute(id)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome) \(out.events)"); return }
        #expect(out.text == """
            2 web-1 10.0.0.1 local sh nil
            2 1
            3 edge
            shop ["web/nginx"]
            2

            """)
        let events = try cmdb.events(after: 0).filter { $0.resource == "host" && $0.kind != "create" }
        #expect(events.map(\.kind) == ["update", "transfer", "transfer"])
        #expect(events.allSatisfy { $0.who == "run \(id) (\(CMDB.defaultActor))" || $0.who.hasPrefix("run \(id)") })
    }

    @Test("a retried run replays its CMDB calls from the journal: the change is not made twice")
    func exactlyOnce() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (store, cmdb) = try setUp(t.folder)
        let marker = t.folder + "/go"
        let file = try t.file("once.plat", """
            plan main() {
                let hs = cmdb.hosts(where: "hostname == \\"web-1\\"")
                cmdb.update(hs[0], sla: 5)
                sh("test -f '\(marker)'")
                print("done", len(hs))
            }
            """)
        let out = CapturedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: [:]).id
        guard case .failed = try executor.execute(id) else { Issue.record("expected the first attempt to fail"); return }
        // Meanwhile someone else changes the host; the retry must not overwrite it.
        try cmdb.updateHost(id: 1, ["sla": .int(1)])
        try cmdb.addHost(["inner_ip": .list(["10.0.0.9"]), "hostname": .string("web-1")])
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        try executor.prepareRetry(id)
        let second = try executor.execute(id)
        guard case .succeeded = second else { Issue.record("retry failed: \(second) \(out.events)"); return }
        #expect(out.text.hasSuffix("done 1\n"), "the read replays: one host, not the two named web-1 now")
        #expect(try cmdb.host(id: 1)?["sla"] == .int(1), "the update was not applied again")
        #expect(try cmdb.events(after: 0).filter { $0.kind == "update" && $0.who.hasPrefix("run ") }.count == 1)
    }

    @Test("bad calls are runtime errors with the reason")
    func errors() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let (store, _) = try setUp(t.folder)
        for (body, message) in [
            (#"cmdb.hosts(where: "cty == 1")"#, "unknown field 'cty'"),
            (#"cmdb.update("10.0.0.1", slaa: 3)"#, "cmdb.update() has no field 'slaa'"),
            (#"cmdb.update("10.0.0.1", sla: "high")"#, "sla: expected an int"),
            (#"cmdb.transfer(["10.0.0.1"], to: "shop/web/apache")"#, "no module shop/web/apache"),
            (#"cmdb.group("nope")"#, "no group 'nope'"),
        ] {
            let file = try t.file("bad.plat", "plan main() {\n    \(body)\n}\n")
            let out = CapturedOutput()
            let executor = RunExecutor(store: store, output: out)
            let id = try executor.create(file: file, plan: nil, params: [:]).id
            let outcome = try executor.execute(id)
            guard case .failed(let text) = outcome else { Issue.record("\(body) did not fail"); continue }
            #expect(text.contains(message), "\(body): \(text)")
        }
    }
}
