import Foundation
import PlatStore

/// Keeping the full-text index in step with hosts and instances.
///
/// Not with triggers: a statement that fires a trigger writing to an FTS5 table opens a statement savepoint,
/// and FTS5 flushes its pending index to disk at every savepoint, so a 100,000-row import through triggers
/// wrote 100,000 tiny index segments (ten times slower). Instead each change re-indexes what it touched with
/// one or two statements, and an import indexes all its new hosts with one INSERT ... SELECT at the end.
extension CMDB {
    /// Re-indexes the hosts selected by `condition` (SQL over alias `h`, with its bound `args`).
    func reindexHosts(where condition: String, _ args: [SQLBindable?]) throws {
        try db.execute("DELETE FROM cmdb_fts WHERE rowid IN (SELECT h.id * 2 FROM cmdb_hosts h WHERE \(condition))", args)
        try indexHosts(where: condition, args)
    }

    /// Indexes hosts that are not in the index yet.
    func indexHosts(where condition: String, _ args: [SQLBindable?], inPool: Bool = false) throws {
        try db.execute("INSERT INTO cmdb_fts (rowid, doc) SELECT h.id * 2, \(CMDBSchema.hostDocument("h", inPool: inPool)) FROM cmdb_hosts h WHERE \(condition)", args)
    }

    func reindexHost(_ id: Int64) throws {
        try reindexHosts(where: "h.id = ?", [id])
    }

    /// Re-indexes a list of hosts with two statements, whatever its length.
    func reindexHosts(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        try reindexHosts(where: "h.id IN (SELECT value FROM json_each(?))", [list])
    }

    func unindexHost(_ id: Int64) throws {
        try db.execute("DELETE FROM cmdb_fts WHERE rowid = ?", id * 2)
    }

    func reindexInstance(_ id: Int64) throws {
        try db.execute("DELETE FROM cmdb_fts WHERE rowid = ?", id * 2 + 1)
        try db.execute("INSERT INTO cmdb_fts (rowid, doc) SELECT i.id * 2 + 1, \(CMDBSchema.instanceDocument("i")) FROM cmdb_instances i WHERE i.id = ?", id)
    }

    func unindexInstance(_ id: Int64) throws {
        try db.execute("DELETE FROM cmdb_fts WHERE rowid = ?", id * 2 + 1)
    }
}
