import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// `on cmdb.host.changed [where 'FILTER'] run plan(args)`: every create, update, transfer or delete of a host.
/// The event a plan receives (as its `event` parameter, when it has one) is
/// {cursor, kind, host, before, after, who, at}; the filter is the CMDB filter language, matched against the
/// host as it is after the change (a deleted host matches only a subscription without a filter).
final class HostChangedEvents: EventSource {
    let event = "cmdb.host.changed"

    func latestCursor(db: Database) throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(id), 0) AS c FROM cmdb_events")?.int("c") ?? 0
    }

    func events(db: Database, after cursor: Int64, limit: Int) throws -> [(cursor: Int64, value: Value)] {
        try db.query("SELECT * FROM cmdb_events WHERE id > ? AND resource = 'host' ORDER BY id LIMIT ?", cursor, limit).map { r in
            func decoded(_ c: String) -> Value {
                guard let t = r.string(c), let v = try? JSON.decode(t) else { return .null }
                return v
            }
            let value = Value.makeMap([
                ("cursor", .int(Int(r.int("id") ?? 0))), ("kind", .string(r.string("kind") ?? "")),
                ("host", .string(r.string("ref") ?? "")), ("before", decoded("before")), ("after", decoded("after")),
                ("who", .string(r.string("who") ?? "")), ("at", .float(r.double("at") ?? 0)),
            ])
            return (r.int("id") ?? 0, value)
        }
    }

    func matching(db: Database, filter: String?, events: [(cursor: Int64, value: Value)]) throws -> Set<Int64> {
        guard let filter else { return Set(events.map(\.cursor)) }
        // One evaluation of the filter per batch of events: the hosts matching it now.
        let ids = Set(try CMDB(db: db).hosts(where: filter).map { String($0.id) })
        var out = Set<Int64>()
        for (c, v) in events {
            if case .map(let m) = v, case .string(let ref)? = m.get(.string("host")), ids.contains(ref),
               case .string(let kind)? = m.get(.string("kind")), kind != "delete" {
                out.insert(c)
            }
        }
        return out
    }

    func validate(filter: String, db: Database) throws {
        _ = try CMDB(db: db).hosts(where: filter, limit: 1)
    }
}
