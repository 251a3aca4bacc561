import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// `on containers.app.changed [where 'namespace == "prod"'] run ...`: what happened to installs, once each, in
/// order: deployed (a revision finished rolling out), failed (and rolled back), scaled, stopped, started,
/// uninstalled. The event: {cluster, namespace, app, action, revision, detail, who, at, cursor}.
/// The filter is an `EventFilter` (`namespace == "prod" and action in ["failed", "stopped"]`) of the fields
/// cluster, namespace, app, action.
final class AppChangedEvents: FieldFilteredEventSource {
    let event = "containers.app.changed"
    let filterFields = ["cluster", "namespace", "app", "action"]

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
}
