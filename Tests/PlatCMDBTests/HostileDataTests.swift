import Foundation
@testable import PlatCMDB
import Testing

/// Data that looks almost right: a NUL inside a CSV cell, a JSON key given twice, an IPv4-mapped IPv6 address,
/// search words with quotes, colons and slashes.
@Suite("hostile data in imports, addresses and search")
struct HostileDataTests {
    @Test("a NUL byte in a CSV cell is a problem on its line; nothing is stored")
    func nulInCSV() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let path = t.folder + "/nul.csv"
        try Data(Array("inner_ip,comment\n10.0.0.1,fine\n10.0.0.2,a".utf8) + [0] + Array("b\n".utf8)).write(to: URL(fileURLWithPath: path))
        let r = try t.cmdb.importHosts(path: path)
        #expect(!r.committed, "\(r.problems)")
        #expect(r.problems.first?.line == 3 && r.problems.first?.reason.contains("NUL") == true, "\(r.problems)")
        #expect(try t.count("cmdb_hosts") == 0)
    }

    @Test("a JSON object with a key given twice is a problem on its line, nested objects too; distinct keys pass")
    func duplicateJSONKeys() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let twice = try t.file("twice.json", """
            [{"inner_ip": "10.0.0.1", "hostname": "a"},
             {"inner_ip": "10.0.0.2", "hostname": "b", "hostname": "c"}]
            """)
        let r = try t.cmdb.importHosts(path: twice)
        #expect(!r.committed && r.problems.first?.reason.contains(#""hostname" appears twice"#) == true, "\(r.problems)")
        #expect(r.problems.first?.line == 2, "\(r.problems)")
        let fine = try t.file("fine.json", """
            {"inner_ip": "10.0.0.3", "hostname": "x", "comment": "hostname: \\"x\\", hostname"}
            {"inner_ip": "10.0.0.4", "hostname": "y"}
            """)
        let r2 = try t.cmdb.importHosts(path: fine)
        #expect(r2.committed && r2.created == 2, "\(r2.problems)")
    }

    @Test("an IPv4-mapped IPv6 address prints with its dotted tail")
    func mappedAddress() throws {
        #expect(IPAddress("::ffff:1.2.3.4")?.description == "::ffff:1.2.3.4")
        #expect(IPAddress("::ffff:102:304")?.description == "::ffff:1.2.3.4")
        #expect(IPAddress("1.2.3.4")?.description == "1.2.3.4")
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("64:ff9b::1.2.3.4")?.description == "64:ff9b::102:304")
    }

    @Test("search words with quotes, colons and slashes find the words they hold")
    func searchPunctuation() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.add("inner_ip=10.0.0.1", "hostname=web-1", #"comment=logs in /var/log/nginx: "rotated" daily"#)
        try t.add("inner_ip=10.0.0.2", "hostname=db-1", "comment=nothing here")
        for query in [#""rotated""#, "nginx:", "/var/log", "/var/log/nginx:", #"rot"dai"#, "web-1", "(web-1)"] {
            let hits = try t.cmdb.search(query)
            #expect(hits.map(\.id) == [1], "\(query): \(hits.map(\.id))")
        }
    }
}
