import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// `on gateway.published [where 'stage == "prod"'] run smoke(...)`: every publish and rollback that went live,
/// once, in the order they did. The event is the release map of `gateway.publish` (id, gateway, stage, version,
/// action, status, forced, who, at) with the stage's `env` and `class` and the `cursor`.
///
/// The filter is a conjunction of comparisons of text fields with quoted strings: `gateway == "shop" && class
/// == "production"` (`and` works too). Fields: gateway, stage, version, action, who, env, class.
final class PublishedEvents: EventSource {
    let event = "gateway.published"
    static let fields = ["gateway", "stage", "version", "action", "who", "env", "class"]

    func latestCursor(db: Database) throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(event_seq), 0) AS c FROM gateway_releases")?.int("c") ?? 0
    }

    func events(db: Database, after cursor: Int64, limit: Int) throws -> [(cursor: Int64, value: Value)] {
        let store = GatewayStore(db: db)
        return try db.query("SELECT * FROM gateway_releases WHERE event_seq > ? ORDER BY event_seq LIMIT ?", cursor, limit).compactMap { row in
            guard let seq = row.int("event_seq"), case .map(let m) = PublishEffect.value(store.release(from: row)) else { return nil }
            let stage = (try? store.definition(row.string("gateway") ?? ""))?.stage(row.string("stage") ?? "")
            m.set(.string("env"), stage.map { .string($0.env) } ?? .null)
            m.set(.string("class"), stage.map { .string($0.envClass) } ?? .null)
            m.set(.string("cursor"), .int(Int(seq)))
            return (seq, .map(m))
        }
    }

    func matching(db: Database, filter: String?, events: [(cursor: Int64, value: Value)]) throws -> Set<Int64> {
        guard let filter else { return Set(events.map(\.cursor)) }
        let clauses = try PublishedEvents.parse(filter)
        return Set(events.filter { e in
            guard case .map(let m) = e.value else { return false }
            return clauses.allSatisfy { c in
                var actual = ""
                if case .string(let s)? = m.get(.string(c.field)) { actual = s }
                return (actual == c.text) == c.equal
            }
        }.map(\.cursor))
    }

    func validate(filter: String, db: Database) throws {
        _ = try PublishedEvents.parse(filter)
    }

    struct Clause: Equatable {
        let field: String
        let equal: Bool
        let text: String
    }

    /// `FIELD ==|!= "TEXT"` clauses joined by `&&` or `and`.
    static func parse(_ filter: String) throws -> [Clause] {
        try filter.replacingOccurrences(of: " and ", with: " && ").components(separatedBy: "&&").map { part in
            let p = part.trimmingCharacters(in: .whitespaces)
            let op = p.contains("!=") ? "!=" : "=="
            let sides = p.components(separatedBy: op).map { $0.trimmingCharacters(in: .whitespaces) }
            guard sides.count == 2 else {
                throw RuntimeError("gateway.published filter: '\(p)' is not FIELD == \"TEXT\" or FIELD != \"TEXT\"", hint: "stage == \"prod\" && gateway == \"shop\"")
            }
            guard fields.contains(sides[0]) else {
                throw RuntimeError("gateway.published filter: unknown field '\(sides[0])'",
                                   hint: closestName(to: sides[0], in: fields).map { "did you mean '\($0)'?" } ?? "fields: " + fields.joined(separator: ", "))
            }
            let t = sides[1]
            guard t.count >= 2, (t.hasPrefix("\"") && t.hasSuffix("\"")) || (t.hasPrefix("'") && t.hasSuffix("'")) else {
                throw RuntimeError("gateway.published filter: compare \(sides[0]) with a quoted string, got \(t)", hint: "\(sides[0]) == \"prod\"")
            }
            return Clause(field: sides[0], equal: op == "==", text: String(t.dropFirst().dropLast()))
        }
    }
}
