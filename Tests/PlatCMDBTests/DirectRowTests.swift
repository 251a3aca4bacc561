import Foundation
@testable import PlatCMDB
import PlatTestKit
import Testing

/// The direct way from a CSV record to the writer's values (a first load) against the general way, on random
/// rows of good, odd and bad cells: wherever the direct way takes a row, it gives exactly what the general
/// way gives, and it leaves every row with a problem to the general way.
@Suite("import: the direct way for a first load equals the general way")
struct DirectRowTests {
    static let pools: [String: [String]] = [
        "inner_ip": ["10.0.0.1", "192.168.1.20", "", " 10.0.0.2", "10.0.0.1,10.0.0.3", "::1", "2001:DB8::1", "::ffff:1.2.3.4",
                     "010.0.0.1", "256.1.1.1", "abc", "10.0.0.1 "],
        "outer_ip": ["54.0.0.1", "", "54.0.0.1,54.0.0.2", "fe80::1", "1.2.3", "8.8.8.8"],
        "cloud_area": ["0", "3", "", "-1", "+2", "007", "x", " 1"],
        "addressing": ["static", "dynamic", "", "Static", "dyn"],
        "hostname": ["web-1", "db-primary", "上海-1", "", "a,b", " pad", String(repeating: "h", count: 300), "x\ty"],
        "os_type": ["linux", "windows", "", "Linux", "beos"],
        "os_name": ["Ubuntu", "CentOS Linux", "", "Zürich OS"],
        "cpu": ["4", "64", "", "-2", "1.5", "99999999999999999999", "0"],
        "mem": ["8192", "", "lots"],
        "city": ["shanghai", "北京", "", "new york", "a,b,c"],
        "sla": ["1", "3", "", "-1"],
        "operator": ["alice", "alice,bob", "", "bad name", "ops@example.com", "alice,alice"],
        "bak_operator": ["bob", "", " bob"],
        "state": ["running", "stopped", ""],
        "comment": ["nginx frontend", "a, b", "", String(repeating: "c", count: 70_000), "tab\tinside"],
        "transport": ["local", "ssh", "", "telnet"],
        "ssh_port": ["22", "0", "65536", "", "2222"],
    ]

    static func check(header: [String], rows: Int, seed: UInt64, plainOnly: Bool = false) throws -> (direct: Int, rows: Int) {
        var columns = ImportColumns(custom: [])
        try columns.mapHeader(header)
        #expect(columns.allowsDirect)
        var random = SeededRandom(seed: seed)
        var taken = 0
        for line in 2..<(2 + rows) {
            let cells = header.map { name -> String in
                guard let pool = pools[name] else { return "ignored" }
                // The first value of each pool is a plain good one; most cells get it, so that many rows are
                // plain enough for the direct way and the odd cells come one or two to a row.
                if plainOnly || random.next() % 10 < 7 { return pool[0] }
                return pool[Int(random.next() % UInt64(pool.count))]
            }
            var general = columns.parse(cells: cells, line: line)
            columns.prepareInsert(&general, now: "2026-01-01T00:00:00Z", keepSlots: false)
            guard let direct = columns.parseDirect(CSVRecord(fields: cells, line: line), now: "2026-01-01T00:00:00Z") else { continue }
            taken += 1
            #expect(general.problems.isEmpty, "direct took a row with problems: \(cells) \(general.problems)")
            #expect(direct.insert == general.insert, "values differ: \(cells)")
            #expect(direct.doc == general.doc, "documents differ: \(cells)")
            #expect(direct.ipKeys.map { $0.address.key } == general.ipKeys.map { $0.address.key }, "\(cells)")
            #expect(direct.ipKeys.map(\.inner) == general.ipKeys.map(\.inner), "\(cells)")
            #expect(direct.cloud == general.cloud && direct.dynamic == general.dynamic && direct.hostname == general.hostname, "\(cells)")
            #expect(direct.line == general.line && direct.slots.isEmpty && direct.custom.isEmpty)
        }
        return (taken, rows)
    }

    @Test("random rows, all built-in columns in schema order", arguments: [1, 2, 3] as [UInt64])
    func schemaOrder(seed: UInt64) throws {
        let header = HostFields.columns.map(\.name).filter { DirectRowTests.pools[$0] != nil }
        let (taken, rows) = try DirectRowTests.check(header: header, rows: 3_000, seed: seed)
        #expect(taken > rows / 100, "the direct way took \(taken) rows of \(rows)")
    }

    @Test("random rows, columns shuffled, with columns an export adds (ignored)", arguments: [4, 5] as [UInt64])
    func shuffled(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var header = ["id", "created_at"] + DirectRowTests.pools.keys.sorted()
        for i in stride(from: header.count - 1, to: 0, by: -1) { header.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        // Fewer columns, fewer odd cells: more rows the direct way takes.
        let few = Array(header.prefix(7))
        for h in [header, few] { _ = try DirectRowTests.check(header: h, rows: 3_000, seed: seed) }
        #expect(try DirectRowTests.check(header: few, rows: 500, seed: seed, plainOnly: true).direct == 500)
    }

    @Test("plain good rows all go the direct way")
    func plainRows() throws {
        let header = HostFields.columns.map(\.name).filter { DirectRowTests.pools[$0] != nil }
        #expect(try DirectRowTests.check(header: header, rows: 200, seed: 9, plainOnly: true).direct == 200)
    }

    @Test("a first load with bytes that are not UTF-8 reports the line, as the general way does")
    func notUTF8() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let broken = t.folder + "/broken.csv"
        try Data(Array("inner_ip,hostname,city\n10.0.0.2,a,ok\n10.0.0.3,b,".utf8) + [0xFF, 0xFE] + Array("\n".utf8))
            .write(to: URL(fileURLWithPath: broken))
        let r = try t.cmdb.importHosts(path: broken)
        #expect(!r.committed && r.problems.first?.line == 3 && r.problems.first?.reason.contains("not valid UTF-8") == true, "\(r.problems)")
        #expect(try t.count("cmdb_hosts") == 0)
    }

    @Test("a file with a custom column is read the general way")
    func customColumns() throws {
        var columns = ImportColumns(custom: [try CMDB.parseAttribute("rack:string")])
        try columns.mapHeader(["inner_ip", "rack"])
        #expect(!columns.allowsDirect)
    }
}
