import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// `on release.deployed [where 'env == "prod"'] run smoke(...)`: every deploy that succeeded, once, in the
/// order deploys finished. The event is the revision map (app, env, class, revision, version, digest, stage,
/// who, at, run, rollback_of, forced, result, finished_at, duration) with its `cursor`.
///
/// The filter is an `EventFilter` of the event's text fields: `env == "prod" and app != "docs"`. Fields: app,
/// env, class, version, stage, who.
final class DeployedEvents: FieldFilteredEventSource {
    let event = "release.deployed"
    let filterFields = ["app", "env", "class", "version", "stage", "who"]

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
}
