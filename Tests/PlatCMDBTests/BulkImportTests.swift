import Foundation
@testable import PlatCMDB
import PlatTestKit
import Testing

/// Imports large enough to cross the writer's groups of rows (written together) and its index chunks (hosts
/// indexed and given events while the file is still being read), and a CSV reader checked against its writer
/// on random records that cross its buffer's edges.
@Suite("bulk import: grouped writes, chunked indexing, the CSV reader's fast path")
struct BulkImportTests {
    static let rows = 9_000

    static func csv(_ rows: Int, duplicate: (row: Int, of: Int)? = nil) -> String {
        var text = "inner_ip,outer_ip,hostname,city,comment\n"
        for i in 0..<rows {
            let n = duplicate?.row == i ? duplicate!.of : i
            text += "10.1.\(n >> 8).\(n & 255),54.1.\(i >> 8).\(i & 255),bulk-\(i),\(i % 2 == 0 ? "shanghai" : "beijing"),row \(i)\n"
        }
        return text
    }

    @Test("every host of a large file is written with its IPs, indexed for search, and has one create event")
    func largeImport() throws {
        let t = try TestCMDB(); defer { t.remove() }
        var reports: [ImportProgress] = []
        let r = try t.cmdb.importHosts(path: try t.file("big.csv", BulkImportTests.csv(BulkImportTests.rows))) { reports.append($0) }
        #expect(r.committed && r.created == BulkImportTests.rows)
        // Progress only grows, and the last report says every row is read and the index and commit remain.
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.rows <= $1.rows && $0.bytesRead <= $1.bytesRead })
        #expect(reports.last?.finishing == true && reports.last?.rows == BulkImportTests.rows && reports.last?.fraction == 1)
        #expect(try t.cmdb.countHosts(where: nil) == BulkImportTests.rows)
        // Each address belongs to the host of its own row (ids are given out a group at a time).
        for i in [0, 127, 128, 8191, 8192, 8999] {
            let inner = try t.cmdb.hosts(byIP: ["10.1.\(i >> 8).\(i & 255)"])
            let outer = try t.cmdb.hosts(byIP: ["54.1.\(i >> 8).\(i & 255)"])
            #expect(inner.count == 1 && inner.first?.host.displayName == "bulk-\(i)")
            #expect(outer.count == 1 && outer.first?.host.id == inner.first?.host.id)
            // Found by full-text search, whichever index chunk it fell in.
            let id = inner.first?.host.id
            #expect(try t.cmdb.search("bulk-\(i)", limit: 100).contains { $0.kind == .host && $0.id == id })
        }
        #expect(try t.cmdb.search("shanghai", limit: 10_000).count == BulkImportTests.rows / 2)
        let events = try t.cmdb.events(after: 0, limit: 100_000)
        #expect(events.count == BulkImportTests.rows && events.allSatisfy { $0.kind == "create" })
        #expect(Set(events.map(\.ref)).count == BulkImportTests.rows)
        #expect(try t.db.integrityCheck() == "ok")
    }

    /// FTS5's own check: every document in the index's table of documents is indexed, and nothing else is.
    static func searchIndexIsSound(_ t: TestCMDB) -> Bool {
        (try? t.db.execute("INSERT INTO cmdb_fts (cmdb_fts) VALUES ('integrity-check')")) != nil
    }

    static func scratchFileLeft(_ t: TestCMDB) -> Bool {
        FileManager.default.fileExists(atPath: t.db.path + "-import-index")
    }

    @Test("an import into an empty CMDB builds its index on another core: it is sound and finds what an index built in place finds")
    func indexBuiltAside() throws {
        let aside = try TestCMDB(); defer { aside.remove() }
        let inPlace = try TestCMDB(); defer { inPlace.remove() }
        // An instance in the index already: this CMDB's import indexes its hosts in place.
        try inPlace.cmdb.addModel("switch", classification: "network", attributes: [try CMDB.parseAttribute("name:string!")])
        try inPlace.cmdb.addInstance(model: "switch", ["name": .string("sw-1")])
        let text = BulkImportTests.csv(BulkImportTests.rows)
        for t in [aside, inPlace] {
            let r = try t.cmdb.importHosts(path: try t.file("big.csv", text))
            #expect(r.committed && r.created == BulkImportTests.rows)
            #expect(BulkImportTests.searchIndexIsSound(t))
            #expect(!BulkImportTests.scratchFileLeft(t))
        }
        for words in ["shanghai", "bulk-12", "row 8999", "beij", "bulk-1 shanghai", "nothing-like-this"] {
            let a = try aside.cmdb.search(words, limit: 10_000).map(\.title)
            let b = try inPlace.cmdb.search(words, limit: 10_000).filter { $0.kind == .host }.map(\.title)
            #expect(a == b, "\(words)")
        }
        #expect(try aside.cmdb.search("bulk-4321").map(\.title) == ["10.1.16.225 (bulk-4321)"])
    }

    @Test("after an index built aside: updates, deletes and new hosts keep it sound")
    func indexBuiltAsideThenChanged() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let r = try t.cmdb.importHosts(path: try t.file("big.csv", BulkImportTests.csv(300)))
        #expect(r.committed && r.created == 300)
        let first = try t.cmdb.resolveHost("10.1.0.0", cloudArea: 0)
        _ = try t.cmdb.updateHost(id: first.id, ["city": .string("hangzhou")])
        try t.cmdb.deleteHost(id: try t.cmdb.resolveHost("10.1.0.1", cloudArea: 0).id)
        try t.add("inner_ip=10.9.0.1", "hostname=late-1", "city=shanghai")
        #expect(BulkImportTests.searchIndexIsSound(t))
        #expect(try t.cmdb.search("hangzhou").map(\.id) == [first.id])
        #expect(try t.cmdb.search("bulk-1").allSatisfy { $0.title != "10.1.0.1 (bulk-1)" })
        #expect(try t.cmdb.search("shanghai", limit: 1_000).count == 150 - 1 + 1)
        // A second import adds to a CMDB that has hosts: indexed in place, next to the index built aside.
        let more = try t.cmdb.importHosts(path: try t.file("more.csv", "inner_ip,hostname,city\n10.8.0.1,more-1,shanghai\n"))
        #expect(more.committed && more.created == 1)
        #expect(BulkImportTests.searchIndexIsSound(t))
        #expect(try t.cmdb.search("more-1").count == 1)
    }

    @Test("a failed import into an empty CMDB leaves its index empty and working, and no scratch file")
    func failedImportLeavesIndex() throws {
        let t = try TestCMDB(); defer { t.remove() }
        // A file left by an import that was killed is replaced, not read.
        try "not a database".write(toFile: t.db.path + "-import-index", atomically: true, encoding: .utf8)
        let bad = try t.cmdb.importHosts(path: try t.file("bad.csv", BulkImportTests.csv(BulkImportTests.rows, duplicate: (8_500, 10))))
        #expect(!bad.committed)
        #expect(!BulkImportTests.scratchFileLeft(t))
        #expect(try t.count("cmdb_fts_content") == 0)
        try t.add("inner_ip=10.9.0.1", "hostname=after-1", "city=shanghai")
        #expect(try t.cmdb.search("shanghai").map(\.title) == ["10.9.0.1 (after-1)"])
        #expect(BulkImportTests.searchIndexIsSound(t))
        // And the next import of a good file into the CMDB, no longer empty, indexes in place, and clears
        // what a killed first load would have left.
        try "left by a killed import".write(toFile: t.db.path + "-import-index", atomically: true, encoding: .utf8)
        let good = try t.cmdb.importHosts(path: try t.file("good.csv", BulkImportTests.csv(500)))
        #expect(good.committed && good.created == 500)
        #expect(!BulkImportTests.scratchFileLeft(t))
        #expect(BulkImportTests.searchIndexIsSound(t))
        #expect(try t.cmdb.search("shanghai", limit: 1_000).count == 251)
    }

    @Test("a first load whose index cannot be built aside indexes its hosts in place, all of them")
    func indexBuilderFails() throws {
        let t = try TestCMDB(); defer { t.remove() }
        // Below a regular file: the scratch database cannot be created.
        let blocker = try t.file("blocker", "a file")
        t.cmdb.importIndexPath = { _ in blocker + "/index.db" }
        let r = try t.cmdb.importHosts(path: try t.file("big.csv", BulkImportTests.csv(BulkImportTests.rows)))
        #expect(r.committed && r.created == BulkImportTests.rows)
        #expect(BulkImportTests.searchIndexIsSound(t))
        #expect(try t.cmdb.search("shanghai", limit: 10_000).count == BulkImportTests.rows / 2)
        #expect(try t.cmdb.search("bulk-8999").map(\.title) == ["10.1.35.39 (bulk-8999)"])
    }

    @Test("an import that another import overtakes (committing between its start and its transaction) sees that import's hosts")
    func overtakenImport() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let other = try CMDB.open(path: t.db.path, actor: "other")
        let mine = try t.file("mine.csv", BulkImportTests.csv(300))
        // Made while the CMDB is empty; its transaction begins only after the other import has committed.
        let session = try HostImportSession(cmdb: t.cmdb, update: true, format: .csv, path: mine)
        defer { session.close() }
        var theirs = "inner_ip,hostname,city\n"
        for i in 0..<200 { theirs += "10.1.\(i >> 8).\(i & 255),bulk-\(i),hangzhou\n" }
        #expect(try other.importHosts(path: try t.file("theirs.csv", theirs)).created == 200)
        try t.db.transaction {
            try session.run()
            try session.finish()
        }
        // Its first 200 rows update the other import's hosts instead of clashing with them; the search index
        // keeps both imports' hosts.
        #expect(session.report.problemCount == 0, "\(session.report.problems)")
        #expect(session.report.updated == 200 && session.report.created == 100)
        #expect(try t.cmdb.countHosts(where: nil) == 300)
        #expect(BulkImportTests.searchIndexIsSound(t))
        #expect(try t.cmdb.search("bulk-150").map(\.title) == ["10.1.0.150 (bulk-150)"])
        #expect(try t.cmdb.search("shanghai", limit: 1_000).count == 150)
    }

    @Test("an IP taken by a row thousands of lines earlier: the line and the earlier host are named, nothing is written")
    func duplicateFarApart() throws {
        let t = try TestCMDB(); defer { t.remove() }
        // Row 8,500 (file line 8,502) repeats the inner IP of row 10 (line 12), in another group and index chunk.
        let path = try t.file("dup.csv", BulkImportTests.csv(BulkImportTests.rows, duplicate: (8_500, 10)))
        let r = try t.cmdb.importHosts(path: path)
        #expect(!r.committed && r.problemCount == 1)
        #expect(r.problems.first?.line == 8_502)
        #expect(r.problems.first?.reason.contains("10.1.0.10 in cloud area 0 is already on an earlier row of this file (hostname bulk-10)") == true)
        #expect(try t.cmdb.countHosts(where: nil) == 0)
        #expect(try t.cmdb.events(after: 0).isEmpty)
        #expect(try t.cmdb.search("shanghai").isEmpty)
    }

    @Test("the document an import indexes is the one SQLite builds when a host is re-indexed")
    func importedDocumentsMatchSQL() throws {
        let t = try TestCMDB(); defer { t.remove() }
        for spec in ["env:enum(prod,test)", "tags:list", "rack:string", "weight:int", "ok:bool", "note:text"] {
            try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute(spec))
        }
        let path = try t.file("docs.csv", #"""
            inner_ip,hostname,os_type,os_name,operator,bak_operator,comment,env,tags,rack,weight,ok,note,city,state
            10.3.0.1,a-1,linux,Ubuntu,"alice,bob",carol,"front, edge",prod,"x,y,z",r1,3,true,"n, o",上海,running
            10.3.0.2,,,,,,,,,,,,,,
            10.3.0.3,b-1,windows,,dave,,  spaced  ,test,solo,,,false,,Zürich,
            """#)
        let r = try t.cmdb.importHosts(path: path)
        #expect(r.committed && r.created == 3, "\(r.problems)")
        for row in try t.db.query("SELECT id FROM cmdb_hosts ORDER BY id") {
            let id = row.int("id") ?? 0
            let indexed = try t.db.queryOne("SELECT doc FROM cmdb_fts WHERE rowid = ?", id * 2)?.string("doc")
            let built = try t.db.queryOne("SELECT \(CMDBSchema.hostDocument("h")) AS doc FROM cmdb_hosts h WHERE h.id = ?", id)?.string("doc")
            #expect(indexed != nil && indexed == built, "host \(id)")
        }
        #expect(try t.cmdb.search("zürich").count == 1)
        #expect(try t.cmdb.search("edge bob").count == 1)
    }

    @Test("--update on a large file: new hosts written in groups and existing ones updated or left, interleaved")
    func updateInterleaved() throws {
        let t = try TestCMDB(); defer { t.remove() }
        for i in [5, 150, 9_000] { try t.add("inner_ip=10.1.\(i >> 8).\(i & 255)", "hostname=bulk-\(i)", "city=old") }
        // Rows 5 and 150 name existing hosts: row 5 changes the city, row 150 keeps it; the rest are new.
        var text = "inner_ip,hostname,city\n"
        for i in 0..<9_000 {
            text += "10.1.\(i >> 8).\(i & 255),bulk-\(i),\(i == 150 ? "old" : i == 5 ? "new" : "shanghai")\n"
        }
        let r = try t.cmdb.importHosts(path: try t.file("upd.csv", text), update: true)
        #expect(r.committed && r.created == 8_998 && r.updated == 1 && r.unchanged == 1, "\(r.problems)")
        #expect(try t.cmdb.countHosts(where: nil) == 9_001)
        #expect(try t.cmdb.resolveHost("10.1.0.5", cloudArea: 0)["city"] == .string("new"))
        #expect(try t.cmdb.search("new").map(\.title) == ["10.1.0.5 (bulk-5)"], "the updated host is re-indexed")
        let found = try t.cmdb.search("shanghai", limit: 10_000).count
        #expect(found == 8_998, "\(found)")
        for i in [4, 6, 149, 151, 8_999] {
            #expect(try t.cmdb.hosts(byIP: ["10.1.\(i >> 8).\(i & 255)"]).map { $0.host.displayName } == ["bulk-\(i)"])
        }
    }

    @Test("problems found while rows are written in groups are listed in file order")
    func problemsInFileOrder() throws {
        let t = try TestCMDB(); defer { t.remove() }
        var text = "inner_ip,hostname,cpu\n"
        for i in 0..<300 {
            // Row 5 repeats row 1's IP (found when its group is written); rows 7 and 290 have a bad cpu (found
            // when they are read).
            let ip = i == 5 ? "10.2.0.1" : "10.2.\(i >> 8).\(i & 255)"
            text += "\(ip),g-\(i),\(i == 7 || i == 290 ? "many" : "4")\n"
        }
        let r = try t.cmdb.importHosts(path: try t.file("order.csv", text))
        #expect(r.problems.map(\.line) == [7, 9, 292])
    }

    @Test("the CSV reader reads back what the CSV writer wrote, for random records across buffer edges", arguments: [1, 2, 3])
    func csvRoundTrip(seed: UInt64) throws {
        let t = try TestCMDB(); defer { t.remove() }
        var random = SeededRandom(seed: seed)
        let pieces = ["a", "plain", " lead", "trail ", ",", "\"", "\"\"", "\n", "\r\n", "\r", "上海", "é", "x\"y", "", "0", "10.0.0.1"]
        var records: [[String]] = []
        var text = ""
        // Enough records to pass the reader's 256 KiB buffer several times.
        while text.utf8.count < 900_000 {
            var cells: [String] = []
            for _ in 0..<(1 + Int(random.next() % 6)) {
                var cell = ""
                for _ in 0..<Int(random.next() % 5) { cell += pieces[Int(random.next() % UInt64(pieces.count))] }
                cells.append(cell)
            }
            // A record of one empty cell is a blank line, which the reader skips.
            if cells == [""] { cells = ["-"] }
            records.append(cells)
            text += CSVWriter.row(cells)
        }
        let reader = try CSVReader(path: try t.file("round.csv", text))
        var read: [[String]] = []
        while let (fields, _) = try reader.next() { read.append(fields) }
        #expect(read.count == records.count)
        if let k = read.indices.first(where: { $0 >= records.count || read[$0] != records[$0] }) {
            Issue.record("record \(k) read as \(read[k]), written as \(k < records.count ? records[k] : [])")
        }
    }
}
