import CSQLite
import Foundation
import PlatCMDB
import PlatStore

// CMDB benchmarks (bench/cmdb.sh runs them in release and prints the table). `args[0]` is the command:
//   cmdb-gen N FILE [FROM]       writes a CSV of N realistic hosts, numbered from FROM (0)
//   cmdb-import FILE DB [--add]  imports FILE into a fresh CMDB at DB (validation, indexes, FTS, events);
//                                with --add, into the CMDB already at DB
//   cmdb-query DB PLAIN Q        Q lookups each: by hostname and by IP through the CMDB, and the same lookups
//                                in raw SQL on PLAIN (the file loaded by sqlite3's .import, with indexes);
//                                then a full-text query and a dynamic group evaluation
// Each prints lines `NAME value unit maxrss_kb`.

func cmdbBenchmark(_ args: [String]) {
    do {
        switch args.first ?? "" {
        case "cmdb-gen":
            guard args.count == 3 || args.count == 4, let n = Int(args[1]), let from = Int(args.count == 4 ? args[3] : "0")
            else { return usage() }
            try CMDBBench.generate(n, from: from, path: args[2])
        case "cmdb-import":
            guard args.count == 3 || (args.count == 4 && args[3] == "--add") else { return usage() }
            try CMDBBench.importFile(args[1], db: args[2], fresh: args.count == 3)
        case "cmdb-query":
            guard args.count == 4, let q = Int(args[3]) else { return usage() }
            try CMDBBench.queries(db: args[1], plain: args[2], count: q)
        default:
            usage()
        }
    } catch {
        FileHandle.standardError.write(Data("cmdb benchmark failed: \(error)\n".utf8))
        exit(1)
    }
}

private func usage() {
    FileHandle.standardError.write(Data("usage: platflow-bench cmdb-gen N FILE [FROM] | cmdb-import FILE DB [--add] | cmdb-query DB PLAIN Q\n".utf8))
    exit(2)
}

enum CMDBBench {
    static func rss() -> Int {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return u.ru_maxrss
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static let cities = ["shanghai", "beijing", "shenzhen", "guangzhou", "hangzhou", "chengdu"]
    static let roles = ["nginx frontend", "mysql primary", "redis cache", "kafka broker", "batch worker", "api gateway"]

    /// Host i of the generated fleet: unique inner IP and hostname, a few repeated values.
    static func row(_ i: Int) -> String {
        let ip = "10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)"
        let outer = "54.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)"
        let city = cities[i % cities.count]
        let role = roles[(i / 7) % roles.count]
        return "\(ip),\(outer),0,web-\(String(format: "%06d", i)),linux,Ubuntu,22.04,\([2, 4, 8, 16][i % 4]),\([4096, 8192, 16384][i % 3]),100,"
            + "aws,i-\(String(format: "%017x", i)),us-east-1,us-east-1\(["a", "b", "c"][i % 3]),\(city),\(1 + i % 3),alice,bob,running,\(role)\n"
    }

    static let header = "inner_ip,outer_ip,cloud_area,hostname,os_type,os_name,os_version,cpu,mem,disk,cloud_vendor,instance_id,region,zone,city,sla,operator,bak_operator,state,comment\n"

    static func generate(_ n: Int, from: Int = 0, path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let h = FileHandle(forWritingAtPath: path) else { throw CMDBError(.notFound, "cannot write \(path)") }
        defer { try? h.close() }
        var chunk = header
        for i in from..<(from + n) {
            chunk += row(i)
            if chunk.utf8.count > 1 << 20 { h.write(Data(chunk.utf8)); chunk = "" }
        }
        h.write(Data(chunk.utf8))
    }

    static func importFile(_ file: String, db path: String, fresh: Bool) throws {
        if fresh { try? FileManager.default.removeItem(atPath: path) }
        let cmdb = try CMDB.open(path: path, actor: "bench")
        var report = ImportReport()
        let t = try time { report = try cmdb.importHosts(path: file) }
        guard report.committed else { throw CMDBError(.invalid, "import failed: \(report.problems.prefix(3))") }
        print("cmdb-import \(String(format: "%.4f", t)) s \(rss())")
        print("cmdb-import-rows \(report.created) hosts \(rss())")
        for (name, s) in report.phases {
            print("cmdb-import-phase-\(name.replacingOccurrences(of: " ", with: "-")) \(String(format: "%.4f", s)) s \(rss())")
        }
    }

    static func queries(db path: String, plain: String, count: Int) throws {
        let cmdb = try CMDB.open(path: path, actor: "bench")
        let total = try cmdb.countHosts(where: nil)
        var rng = SystemRandomNumberGenerator()
        let picks = (0..<count).map { _ in Int.random(in: 0..<total, using: &rng) }

        // Through the CMDB: filter parsed and compiled, rows turned into host records.
        var found = 0
        let byName = try time {
            for i in picks { found += try cmdb.hosts(where: "hostname == \"web-\(String(format: "%06d", i))\"").count }
        }
        guard found == count else { throw CMDBError(.invalid, "hostname query found \(found) of \(count)") }
        found = 0
        let byIP = try time {
            for i in picks { found += try cmdb.hosts(byIP: ["10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)"]).count }
        }
        guard found == count else { throw CMDBError(.invalid, "IP query found \(found) of \(count)") }

        // The same lookups in raw SQL on the plain table, every column read.
        var db: OpaquePointer?
        guard sqlite3_open_v2(plain, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw CMDBError(.notFound, "cannot open \(plain)") }
        defer { sqlite3_close(db) }
        func raw(_ sql: String, _ key: (Int) -> String) throws -> Double {
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw CMDBError(.invalid, "prepare failed: \(sql)") }
            defer { sqlite3_finalize(stmt) }
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            var rows = 0
            let t = time {
                for i in picks {
                    sqlite3_bind_text(stmt, 1, key(i), -1, transient)
                    while sqlite3_step(stmt) == SQLITE_ROW {
                        var cells: [String] = []
                        for c in 0..<sqlite3_column_count(stmt) {
                            if let p = sqlite3_column_text(stmt, c) { cells.append(String(cString: p)) } else { cells.append("") }
                        }
                        rows += cells.isEmpty ? 0 : 1
                    }
                    sqlite3_reset(stmt)
                }
            }
            guard rows == count else { throw CMDBError(.invalid, "raw query found \(rows) of \(count)") }
            return t
        }
        let rawName = try raw("SELECT * FROM hosts WHERE hostname = ?") { "web-\(String(format: "%06d", $0))" }
        let rawIP = try raw("SELECT * FROM hosts WHERE inner_ip = ?") { "10.\($0 >> 16 & 255).\($0 >> 8 & 255).\($0 & 255)" }

        print("cmdb-query-hostname \(String(format: "%.2f", byName / Double(count) * 1e6)) us \(rss())")
        print("raw-query-hostname \(String(format: "%.2f", rawName / Double(count) * 1e6)) us \(rss())")
        print("cmdb-query-ip \(String(format: "%.2f", byIP / Double(count) * 1e6)) us \(rss())")
        print("raw-query-ip \(String(format: "%.2f", rawIP / Double(count) * 1e6)) us \(rss())")

        var hits = 0
        let fts = try time { for _ in 0..<20 { hits = try cmdb.search("nginx shanghai", limit: 20).count } }
        print("cmdb-search \(String(format: "%.2f", fts / 20 * 1000)) ms \(rss())")
        guard hits > 0 else { throw CMDBError(.invalid, "search found nothing") }

        try? cmdb.deleteGroup("bench")
        try cmdb.addGroup("bench", filter: "city == \"shanghai\" and sla >= $min and cpu >= 8", variables: ["city", "min=2"])
        var members = 0
        let group = try time { for _ in 0..<5 { members = try cmdb.groupHosts("bench", overrides: ["city": .text("beijing")]).count } }
        print("cmdb-group \(String(format: "%.2f", group / 5 * 1000)) ms \(rss())")
        print("cmdb-group-hosts \(members) hosts \(rss())")
    }
}
