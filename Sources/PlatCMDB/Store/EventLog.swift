import Foundation
import PlatStore

/// One change: which resource, what happened, the state before and after (JSON text), who and when. The
/// cursor is the event's position in the log; it only ever grows.
public struct ChangeEvent: Equatable, Sendable {
    public let cursor: Int64
    /// `host`, `biz`, `set`, `module`, `instance`, `link`, `model`, `group`, `template`.
    public let resource: String
    /// The resource's id or name.
    public let ref: String
    /// `create`, `update`, `delete`, `transfer`, `sync`...
    public let kind: String
    public let before: String?
    public let after: String?
    public let who: String
    public let at: Double

    public var jsonObject: [String: Any] {
        func parsed(_ s: String?) -> Any {
            guard let s, let d = s.data(using: .utf8), let o = try? JSONSerialization.jsonObject(with: d, options: [.fragmentsAllowed])
            else { return NSNull() }
            return o
        }
        return ["cursor": cursor, "resource": resource, "ref": ref, "kind": kind, "before": parsed(before),
                "after": parsed(after), "who": who, "at": CMDBTime.format(at)]
    }
}

extension CMDB {
    public static let defaultRetention: Double = 7 * 86_400

    /// How long events are kept (seconds); `cmdb retention` changes it.
    public func retention() throws -> Double {
        try setting("event_retention").flatMap(Double.init) ?? CMDB.defaultRetention
    }

    public func setRetention(_ seconds: Double) throws {
        guard seconds >= 60 else {
            throw CMDBError(.invalid, "the event retention must be at least a minute")
        }
        try setSetting("event_retention", String(seconds))
    }

    /// Appends one event; call inside the transaction that makes the change.
    func recordEvent(_ resource: String, _ ref: String, _ kind: String, before: String?, after: String?) throws {
        try db.execute("""
            INSERT INTO cmdb_events (resource, ref, kind, before, after, who, at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, resource, ref, kind, before, after, actor, clock())
    }

    /// The newest cursor (0 when no event was ever written).
    public func latestCursor() throws -> Int64 {
        // sqlite_sequence remembers the highest id even after every event was removed.
        try db.queryOne("SELECT seq FROM sqlite_sequence WHERE name = 'cmdb_events'")?.int("seq") ?? 0
    }

    /// Where a reader without a cursor starts: just before the oldest event still kept.
    public func oldestCursor() throws -> Int64 {
        try pruneEvents()
        return try setting("events_pruned_through").flatMap { Int64($0) } ?? 0
    }

    /// Removes events older than the retention; returns how many went. The highest removed cursor is
    /// remembered so that a reader asking for anything at or before it is told the events are gone.
    @discardableResult
    public func pruneEvents() throws -> Int {
        let cutoff = clock() - (try retention())
        return try write {
            guard let last = try db.queryOne("SELECT max(id) AS id FROM cmdb_events WHERE at < ?", cutoff)?.int("id")
            else { return 0 }
            try db.execute("DELETE FROM cmdb_events WHERE id <= ?", last)
            let removed = db.changes
            let previous = try setting("events_pruned_through").flatMap { Int64($0) } ?? 0
            if last > previous { try setSetting("events_pruned_through", String(last)) }
            return removed
        }
    }

    /// Events after `cursor`, oldest first, at most `limit`. A cursor whose following events were removed by
    /// the retention is an error naming the oldest cursor still available.
    public func events(after cursor: Int64, limit: Int = 1000) throws -> [ChangeEvent] {
        try pruneEvents()
        let pruned = try setting("events_pruned_through").flatMap { Int64($0) } ?? 0
        if cursor < pruned {
            let days = (try retention()) / 86_400
            let span = days == days.rounded() ? "\(Int(days))-day" : String(format: "%.2f-day", days)
            throw CMDBError(.notFound,
                            "cursor \(cursor) has expired: events up to \(pruned) were removed by the \(span) retention",
                            hint: "the oldest cursor available is \(pruned); watch from it (--from \(pruned)) and re-read the current state with `cmdb hosts` first")
        }
        if cursor < 0 { throw CMDBError(.invalid, "a cursor is a number of 0 or more, got \(cursor)") }
        let rows = try db.query("SELECT * FROM cmdb_events WHERE id > ? ORDER BY id LIMIT ?", cursor, max(1, limit))
        var out: [ChangeEvent] = []
        out.reserveCapacity(rows.count)
        for r in rows {
            let kind = r.string("kind") ?? ""
            var after = r.string("after")
            if after == nil && kind == "create" {
                after = try reconstructAfter(resource: r.string("resource") ?? "", ref: r.string("ref") ?? "",
                                             cursor: r.int("id") ?? 0)
            }
            out.append(ChangeEvent(cursor: r.int("id") ?? 0, resource: r.string("resource") ?? "", ref: r.string("ref") ?? "",
                                   kind: kind, before: r.string("before"), after: after, who: r.string("who") ?? "",
                                   at: r.double("at") ?? 0))
        }
        return out
    }

    /// Bulk imports record creations without a snapshot (it would double the cost of an import). The state
    /// right after the creation is the `before` of the next change of that host that carries one, or the
    /// host as it is now when nothing changed it since.
    func reconstructAfter(resource: String, ref: String, cursor: Int64) throws -> String? {
        guard resource == "host", let id = Int64(ref) else { return nil }
        if let next = try db.queryOne("""
            SELECT before FROM cmdb_events WHERE resource = 'host' AND ref = ? AND id > ? AND kind IN ('update', 'delete', 'sync')
            AND before IS NOT NULL ORDER BY id LIMIT 1
            """, ref, cursor) {
            return next.string("before")
        }
        guard let host = try host(id: id) else { return nil }
        return host.json(fields: try hostFields())
    }
}
