import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// The deploy history and the deploy lock, on the release store's connection.
///
/// A deploy's row is written when it starts, in the transaction that creates its run and takes the lock; its
/// result is written by `settle`, from the run's own status, once the run has finished. Whoever finishes the
/// run (the deploy command, `platflow resume`, a scheduler, a plan's `release.deploy`) leaves the same trace,
/// and the update only touches rows without a result, so a run killed and resumed is recorded once.
extension ReleaseStore {
    private func revision(from r: Row) -> DeployRevision {
        DeployRevision(
            app: r.string("app") ?? "",
            environment: Environment(name: r.string("environment") ?? "", class: EnvironmentClass(name: r.string("class") ?? "") ?? .test),
            revision: Int(r.int("revision") ?? 0), version: r.string("version") ?? "", digest: r.string("digest") ?? "",
            stage: Stage(name: r.string("stage") ?? "") ?? .release, deployedBy: r.string("deployed_by") ?? "",
            startedAt: r.double("started_at") ?? 0, runID: r.string("run_id") ?? "", rollbackOf: r.string("rollback_of"),
            forced: r.string("forced"), result: r.string("result").flatMap(DeployRevision.Result.init(rawValue:)),
            finishedAt: r.double("finished_at"), duration: r.double("duration"))
    }

    /// Writes the result of every deploy whose run has finished and has none yet. Idempotent.
    public func settleDeploys() throws {
        try ReleaseStore.settleDeploys(db: db)
    }

    /// `settleDeploys` for code that holds only the database (the event source).
    static func settleDeploys(db: Database) throws {
        let open = try db.query("""
            SELECT d.id, r.status, r.started_at, r.finished_at, d.started_at AS deploy_started FROM release_deploys d
            JOIN engine_runs r ON r.id = d.run_id
            WHERE d.result IS NULL AND r.status IN ('succeeded', 'failed', 'cancelled')
            """)
        guard !open.isEmpty else { return }
        try db.transaction {
            for row in open {
                let status = row.string("status") ?? "failed"
                let finished = row.double("finished_at") ?? Date().timeIntervalSince1970
                let started = row.double("started_at") ?? row.double("deploy_started") ?? finished
                try db.execute("""
                    UPDATE release_deploys SET result = ?, finished_at = ?, duration = ?,
                    event_seq = CASE WHEN ? = 'succeeded' THEN (SELECT COALESCE(MAX(event_seq), 0) + 1 FROM release_deploys) END
                    WHERE id = ? AND result IS NULL
                    """, status, finished, max(0, finished - started), status, row.int("id") ?? 0)
            }
        }
    }

    /// The deploys of `app` (to `environment`, or to all), newest first.
    public func deployHistory(app: String, environment: String? = nil, limit: Int = 1000) throws -> [DeployRevision] {
        try settleDeploys()
        if let environment {
            return try db.query("SELECT * FROM release_deploys WHERE app = ? AND environment = ? ORDER BY started_at DESC, id DESC LIMIT ?",
                                app, environment, limit).map(revision(from:))
        }
        return try db.query("SELECT * FROM release_deploys WHERE app = ? ORDER BY started_at DESC, id DESC LIMIT ?", app, limit)
            .map(revision(from:))
    }

    /// What runs: the newest successful deploy of `app` to `environment`, or nil.
    public func currentDeploy(app: String, environment: String) throws -> DeployRevision? {
        try settleDeploys()
        return try db.queryOne("""
            SELECT * FROM release_deploys WHERE app = ? AND environment = ? AND result = 'succeeded'
            ORDER BY revision DESC LIMIT 1
            """, app, environment).map(revision(from:))
    }

    /// Every app's current version in `environment` (an environment is named the same across apps).
    public func runningVersions(environment: String) throws -> [String: SemanticVersion] {
        try settleDeploys()
        var out: [String: SemanticVersion] = [:]
        for r in try db.query("""
            SELECT d.app, d.version FROM release_deploys d WHERE d.environment = ? AND d.result = 'succeeded'
            AND d.revision = (SELECT MAX(e.revision) FROM release_deploys e WHERE e.app = d.app AND e.environment = d.environment
                              AND e.result = 'succeeded')
            """, environment) {
            if let a = r.string("app"), let v = SemanticVersion.valid(r.string("version") ?? "") { out[a] = v }
        }
        return out
    }

    /// The deploy a resumed `release.deploy` call started before (by its `RUN/KEY`).
    public func deploy(request: String) throws -> DeployRevision? {
        try settleDeploys()
        return try db.queryOne("SELECT * FROM release_deploys WHERE request = ?", request).map(revision(from:))
    }

    /// The deploy of `runID`, if that run deploys.
    public func deploy(runID: String) throws -> DeployRevision? {
        try settleDeploys()
        return try db.queryOne("SELECT * FROM release_deploys WHERE run_id = ?", runID).map(revision(from:))
    }

    /// The unfinished deploy of `app` to `environment`: the holder of the lock (settled first).
    func unfinishedDeploy(app: String, environment: String) throws -> DeployRevision? {
        try settleDeploys()
        return try db.queryOne("SELECT * FROM release_deploys WHERE app = ? AND environment = ? AND result IS NULL", app, environment)
            .map(revision(from:))
    }

    /// For `--rollback`: the newest successful deploy whose version differs from the current one.
    public func rollbackTarget(app: String, environment: String) throws -> (target: DeployRevision, current: DeployRevision) {
        guard let current = try currentDeploy(app: app, environment: environment) else {
            throw ReleaseError.invalidInput("\(app) has no successful deploy to \(environment) to roll back from",
                                            hint: "`platflow app history \(app) --env \(environment)` shows its deploys")
        }
        let previous = try db.queryOne("""
            SELECT * FROM release_deploys WHERE app = ? AND environment = ? AND result = 'succeeded' AND version <> ?
            ORDER BY revision DESC LIMIT 1
            """, app, environment, current.version).map(revision(from:))
        guard let previous else {
            throw ReleaseError.invalidInput("\(app) has run only \(current.version) in \(environment): there is no earlier version to roll back to",
                                            hint: "deploy the version you want: platflow deploy \(app) VERSION --env \(environment)")
        }
        return (previous, current)
    }

    /// Inserts the row of a deploy that starts now (the caller holds the transaction that created its run).
    /// The partial unique index refuses a second unfinished deploy of the app to the environment.
    func insertDeploy(app: String, environment: Environment, artifact: Artifact, runID: String, request: String?,
                      rollbackOf: String?, forced: String?) throws -> DeployRevision {
        let next = (try db.queryOne("SELECT COALESCE(MAX(revision), 0) + 1 AS n FROM release_deploys WHERE app = ? AND environment = ?",
                                    app, environment.name)?.int("n")) ?? 1
        let now = clock()
        try db.execute("""
            INSERT INTO release_deploys (app, environment, class, revision, version, digest, stage, deployed_by, started_at, run_id,
                                         request, rollback_of, forced)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, app, environment.name, environment.environmentClass.name, next, artifact.version.description, artifact.digest,
                       artifact.stage.name, actor, now, runID, request, rollbackOf, forced)
        return DeployRevision(app: app, environment: environment, revision: Int(next), version: artifact.version.description,
                              digest: artifact.digest, stage: artifact.stage, deployedBy: actor, startedAt: now, runID: runID,
                              rollbackOf: rollbackOf, forced: forced, result: nil, finishedAt: nil, duration: nil)
    }

    /// Detaches a finished deploy from the .plat call that asked for it, so the call asks anew when retried.
    func forgetRequest(_ request: String) throws {
        try db.execute("UPDATE release_deploys SET request = NULL WHERE request = ? AND result IS NOT NULL", request)
    }

    /// Marks a deploy whose run died unfinished as abandoned (the caller cancels the run itself).
    func abandonDeploy(runID: String) throws {
        try db.execute("""
            UPDATE release_deploys SET result = 'abandoned', finished_at = ?, duration = ? - started_at
            WHERE run_id = ? AND result IS NULL
            """, clock(), clock(), runID)
    }
}
