import PlatStore

/// The deploy side's tables, a migration of their own after the artifact store's (release version 2).
///
/// - `release_apps`: each app as its `app` declaration last described it: the file that declares it (so
///   `platflow deploy` finds its deploy plan without `--file`), the plan, owners, and what it requires (a
///   JSON map from app to npm range, read by the compatibility gate of every app deployed beside it).
/// - `release_deploys`: the history. One row per deploy, numbered per app and environment (`revision`),
///   inserted when the deploy starts (with its run) and completed (`result`, `finished_at`, `duration`) once
///   the run has finished, whoever drove it: the deploy command, `platflow resume`, or a scheduler. The
///   partial unique index is the deploy lock: at most one unfinished deploy per app and environment, so two
///   deploys can never interleave, whatever process starts them. `request` names the .plat call that asked
///   for the deploy (`RUN/KEY`), so a resumed plan finds its deploy instead of starting another.
///   `event_seq` orders the `release.deployed` events: it is given when a deploy succeeds, so a subscriber's
///   cursor never skips a deploy that started earlier and finished later.
enum DeploySchema {
    static let migrations: [Migration] = [
        Migration(module: "release", version: 2, sql: """
            CREATE TABLE release_apps (
                app TEXT PRIMARY KEY,
                file TEXT NOT NULL,
                deploy_plan TEXT NOT NULL,
                owners TEXT NOT NULL,
                requires TEXT NOT NULL,
                declared_at REAL NOT NULL
            );
            CREATE TABLE release_deploys (
                id INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                environment TEXT NOT NULL,
                class TEXT NOT NULL CHECK (class IN ('test', 'staging', 'production')),
                revision INTEGER NOT NULL,
                version TEXT NOT NULL,
                digest TEXT NOT NULL,
                stage TEXT NOT NULL,
                deployed_by TEXT NOT NULL,
                started_at REAL NOT NULL,
                run_id TEXT NOT NULL,
                request TEXT UNIQUE,
                rollback_of TEXT,
                forced TEXT,
                result TEXT CHECK (result IN ('succeeded', 'failed', 'cancelled', 'abandoned')),
                finished_at REAL,
                duration REAL,
                event_seq INTEGER UNIQUE,
                UNIQUE (app, environment, revision)
            );
            CREATE UNIQUE INDEX release_deploys_one_at_a_time ON release_deploys (app, environment) WHERE result IS NULL;
            CREATE INDEX release_deploys_run ON release_deploys (run_id);
            """),
    ]
}
