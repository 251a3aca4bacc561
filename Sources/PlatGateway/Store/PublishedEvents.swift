import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// `on gateway.published [where 'stage == "prod"'] run smoke(...)`: every publish and rollback that went live,
/// once, in the order they did. The event is the release map of `gateway.publish` (id, gateway, stage, version,
/// action, status, forced, who, at) with the stage's `env` and `class` and the `cursor`.
///
/// The filter is an `EventFilter` of text fields: `gateway == "shop" and class == "production"`. Fields: gateway,
/// stage, version, action, who, env, class.
final class PublishedEvents: FieldFilteredEventSource {
    let event = "gateway.published"
    let filterFields = ["gateway", "stage", "version", "action", "who", "env", "class"]

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
}
