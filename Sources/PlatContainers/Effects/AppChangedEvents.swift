import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// `on containers.app.changed [where 'namespace == "prod"'] run ...`: what happened to installs, once each, in
/// order: deployed (a revision finished rolling out), failed (and rolled back), scaled, stopped, started,
/// uninstalled. The event: {cluster, namespace, app, action, revision, detail, who, at, cursor}.
/// The filter: `FIELD == "TEXT"` or `!=`, joined by `&&` or `and`; fields cluster, namespace, app, action.
final class AppChangedEvents: EventSource {
    let event = "containers.app.changed"
    static let fields = ["cluster", "namespace", "app", "action"]

    func latestCursor(db: Database) throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(seq), 0) AS c FROM containers_events")?.int("c") ?? 0
    }

    func events(db: Database, after cursor: Int64, limit: Int) throws -> [(cursor: Int64, value: Value)] {
        try db.query("SELECT * FROM containers_events WHERE seq > ? ORDER BY seq LIMIT ?", cursor, limit).map { r in
            let seq = r.int("seq") ?? 0
            return (seq, .makeMap([("cluster", .string(r.string("cluster") ?? "")), ("namespace", .string(r.string("namespace") ?? "")),
                                   ("app", .string(r.string("app") ?? "")), ("action", .string(r.string("action") ?? "")),
                                   ("revision", .int(Int(r.int("revision") ?? 0))), ("detail", .string(r.string("detail") ?? "")),
                                   ("who", .string(r.string("who") ?? "")), ("at", .float(r.double("at") ?? 0)), ("cursor", .int(Int(seq)))]))
        }
    }

    func matching(db: Database, filter: String?, events: [(cursor: Int64, value: Value)]) throws -> Set<Int64> {
        guard let filter else { return Set(events.map(\.cursor)) }
        let clauses = try Self.parse(filter)
        return Set(events.filter { e in
            guard case .map(let m) = e.value else { return false }
            return clauses.allSatisfy { c in
                var actual = ""
                if case .string(let s)? = m.get(.string(c.field)) { actual = s }
                return (actual == c.text) == c.equal
            }
        }.map(\.cursor))
    }

    func validate(filter: String, db: Database) throws { _ = try Self.parse(filter) }

    static func parse(_ filter: String) throws -> [(field: String, equal: Bool, text: String)] {
        try filter.replacingOccurrences(of: " and ", with: " && ").components(separatedBy: "&&").map { part in
            let p = part.trimmingCharacters(in: .whitespaces)
            let op = p.contains("!=") ? "!=" : "=="
            let sides = p.components(separatedBy: op).map { $0.trimmingCharacters(in: .whitespaces) }
            guard sides.count == 2, fields.contains(sides[0]) else {
                throw RuntimeError("containers.app.changed filter: '\(p)' is not FIELD == \"TEXT\"",
                                   hint: "fields: \(fields.joined(separator: ", ")), e.g. namespace == \"prod\" && action == \"failed\"")
            }
            let t = sides[1]
            guard t.count >= 2, (t.hasPrefix("\"") && t.hasSuffix("\"")) || (t.hasPrefix("'") && t.hasSuffix("'")) else {
                throw RuntimeError("containers.app.changed filter: compare \(sides[0]) with a quoted string, got \(t)")
            }
            return (sides[0], op == "==", String(t.dropFirst().dropLast()))
        }
    }
}
