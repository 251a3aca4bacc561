import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// `on release.deployed [where 'env == "prod"'] run smoke(...)`: every deploy that succeeded, once, in the
/// order deploys finished. The event is the revision map (app, env, class, revision, version, digest, stage,
/// who, at, run, rollback_of, forced, result, finished_at, duration) with its `cursor`.
///
/// The filter is a conjunction of comparisons of the event's text fields with quoted strings:
/// `env == "prod" && app != "docs"` (`and` works too). Fields: app, env, class, version, stage, who.
final class DeployedEvents: EventSource {
    let event = "release.deployed"

    func latestCursor(db: Database) throws -> Int64 {
        try ReleaseStore.settleDeploys(db: db)
        return try db.queryOne("SELECT COALESCE(MAX(event_seq), 0) AS c FROM release_deploys")?.int("c") ?? 0
    }

    func events(db: Database, after cursor: Int64, limit: Int) throws -> [(cursor: Int64, value: Value)] {
        // Runs finished by whatever process (a scheduler, `platflow resume`) become events here.
        try ReleaseStore.settleDeploys(db: db)
        let store = ReleaseStore(db: db, artifactRoot: ReleaseStore.defaultRoot(databasePath: db.path))
        return try db.query("SELECT app, run_id, event_seq FROM release_deploys WHERE event_seq > ? ORDER BY event_seq LIMIT ?",
                            cursor, limit).compactMap { r in
            guard let seq = r.int("event_seq"), let revision = try store.deploy(runID: r.string("run_id") ?? "") else { return nil }
            guard case .map(let m) = revision.value else { return nil }
            m.set(.string("cursor"), .int(Int(seq)))
            return (seq, .map(m))
        }
    }

    func matching(db: Database, filter: String?, events: [(cursor: Int64, value: Value)]) throws -> Set<Int64> {
        guard let filter else { return Set(events.map(\.cursor)) }
        let clauses = try DeployEventFilter.parse(filter)
        return Set(events.filter { DeployEventFilter.matches(clauses, $0.value) }.map(\.cursor))
    }

    func validate(filter: String, db: Database) throws {
        _ = try DeployEventFilter.parse(filter)
    }
}

/// The filter of `release.deployed` subscriptions: `FIELD ==|!= "TEXT"`, joined by `&&` or `and`.
enum DeployEventFilter {
    static let fields = ["app", "env", "class", "version", "stage", "who"]

    struct Clause: Equatable {
        let field: String
        let equal: Bool
        let text: String
    }

    static func parse(_ filter: String) throws -> [Clause] {
        let parts = filter.replacingOccurrences(of: " and ", with: " && ").components(separatedBy: "&&")
        return try parts.map { part in
            let p = part.trimmingCharacters(in: .whitespaces)
            let op = p.contains("!=") ? "!=" : "=="
            let sides = p.components(separatedBy: op)
            guard sides.count == 2 else {
                throw RuntimeError("release.deployed filter: '\(p)' is not FIELD == \"TEXT\" or FIELD != \"TEXT\"",
                                   hint: "env == \"prod\" && app == \"web\"")
            }
            let field = sides[0].trimmingCharacters(in: .whitespaces)
            var text = sides[1].trimmingCharacters(in: .whitespaces)
            guard fields.contains(field) else {
                throw RuntimeError("release.deployed filter: unknown field '\(field)'",
                                   hint: closestName(to: field, in: fields).map { "did you mean '\($0)'?" } ?? "fields: \(fields.joined(separator: ", "))")
            }
            guard text.count >= 2, (text.hasPrefix("\"") && text.hasSuffix("\"")) || (text.hasPrefix("'") && text.hasSuffix("'")) else {
                throw RuntimeError("release.deployed filter: compare \(field) with a quoted string, got \(text)", hint: "\(field) == \"prod\"")
            }
            text = String(text.dropFirst().dropLast())
            return Clause(field: field, equal: op == "==", text: text)
        }
    }

    static func matches(_ clauses: [Clause], _ event: Value) -> Bool {
        guard case .map(let m) = event else { return false }
        return clauses.allSatisfy { c in
            var actual = ""
            if case .string(let s)? = m.get(.string(c.field)) { actual = s }
            return (actual == c.text) == c.equal
        }
    }
}
