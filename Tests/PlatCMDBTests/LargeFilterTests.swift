import Foundation
@testable import PlatCMDB
import PlatEngine
import PlatLang
import PlatStore
import Testing

/// Filters of ordinary size for a fleet (thousands of terms) compile into SQL the database accepts, and a
/// query the database refuses is an error a plan's `try` catches.
@Suite("large filters and database errors")
struct LargeFilterTests {
    func fleet(_ t: TestCMDB) throws {
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("tags:list"))
        try t.add("inner_ip=10.0.0.1", "hostname=h-7", "sla=1", "tags=a,b")
        try t.add("inner_ip=10.0.0.2", "hostname=h-2999", "sla=2", "tags=c")
        try t.add("inner_ip=10.0.9.9", "hostname=other", "sla=3")
    }

    func names(_ t: TestCMDB, _ filter: String) throws -> [String] {
        try t.cmdb.hosts(where: filter).map(\.displayName).sorted()
    }

    @Test("2,500 or-ed comparisons (near the 64 KiB a filter may take)")
    func manyOrTerms() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        let filter = (0..<2500).map { "hostname == \"h-\($0)\"" }.joined(separator: " or ")
        #expect(try names(t, filter) == ["h-7"])
        #expect(try names(t, "not (\(filter))") == ["h-2999", "other"])
    }

    @Test("2,000 and-ed comparisons")
    func manyAndTerms() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        let filter = (0..<2000).map { "hostname != \"x-\($0)\"" }.joined(separator: " and ")
        #expect(try names(t, filter) == ["h-2999", "h-7", "other"])
    }

    @Test("ip in a list of 2,000 addresses, and its negation")
    func longIPList() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        let list = (0..<2000).map { "\"10.1.\($0 / 250).\($0 % 250)\"" } + ["\"10.0.0.1\"", "\"10.0.0.2/31\""]
        #expect(try names(t, "ip in [\(list.joined(separator: ", "))]") == ["h-2999", "h-7"])
        #expect(try names(t, "inner_ip not in [\(list.joined(separator: ", "))]") == ["other"])
    }

    @Test("a list field in a list of 3,000 values")
    func longListFieldIn() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        let list = (0..<3000).map { "\"t\($0)\"" } + ["\"c\""]
        #expect(try names(t, "tags in [\(list.joined(separator: ", "))]") == ["h-2999"])
    }

    @Test("a database error in cmdb.hosts is caught by try in a plan")
    func databaseErrorCaught() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let store = try RunStore.open(path: t.folder + "/engine.db", modules: ModuleSet([CMDBModule()]), durability: .normal)
        // The query needs a table that is gone: the database refuses it at run time.
        try store.db.execute("DROP TABLE cmdb_host_ips")
        let file = try t.file("f.plat", #"""
            plan main() {
                try {
                    cmdb.hosts(where: "ip == \"10.0.0.1\"")
                    print("no error")
                } catch e {
                    print("caught:", e.message)
                }
            }
            """#)
        let out = CapturedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: [:]).id
        let outcome = try executor.execute(id)
        guard case .succeeded = outcome else { Issue.record("run did not succeed: \(outcome) \(out.events)"); return }
        #expect(out.text.hasPrefix("caught: cmdb.hosts(): the database refused the query"), "\(out.text)")
    }
}
