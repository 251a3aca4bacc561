import PlatStore

/// The release module's tables, all prefixed `release_`.
///
/// - `release_artifacts`: one row per app version: the bits' digest and size, who pushed it and when, its
///   stage, and the artifact it was promoted from (lineage). `version_key` is the version without build
///   metadata, unique per app: `1.4.0+a` and `1.4.0+b` have one precedence, so they are one version.
///   `major`/`minor`/`patch` (NULL past 64 bits) and `prerelease` are kept for SQL ordering and filters; the
///   exact SemVer order is applied in Swift.
/// - `release_environments`: the environments an app declares and their class. The `app` declaration (the
///   deploy side) fills it with `ReleaseStore.declareEnvironments`; `artifact accept --class` adds one too.
/// - `release_acceptances`: who accepted which digest in which environment, when, and the evidence's digest.
/// - `release_overrides`: every gate passed with `--force`: the refusal, the reason, who and when.
/// - `release_policies`: an app's stage policy when it is not the standard one (the app declaration's
///   `policy:`), as the journal's value encoding of `StagePolicy.value`.
public enum ReleaseSchema {
    public static let migrations: [Migration] = [
        Migration(module: "release", version: 1, sql: """
            CREATE TABLE release_artifacts (
                id INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                version TEXT NOT NULL,
                version_key TEXT NOT NULL,
                major INTEGER,
                minor INTEGER,
                patch INTEGER,
                prerelease TEXT NOT NULL DEFAULT '',
                stage TEXT NOT NULL CHECK (stage IN ('alpha', 'beta', 'rc', 'release')),
                digest TEXT NOT NULL,
                size INTEGER NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
                name TEXT NOT NULL,
                pushed_by TEXT NOT NULL,
                pushed_at REAL NOT NULL,
                promoted_from INTEGER REFERENCES release_artifacts(id),
                UNIQUE (app, version_key)
            );
            CREATE INDEX release_artifacts_digest ON release_artifacts (app, digest);
            CREATE TABLE release_environments (
                app TEXT NOT NULL,
                name TEXT NOT NULL,
                class TEXT NOT NULL CHECK (class IN ('test', 'staging', 'production')),
                declared_at REAL NOT NULL,
                PRIMARY KEY (app, name)
            );
            CREATE TABLE release_acceptances (
                id INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                artifact_id INTEGER NOT NULL REFERENCES release_artifacts(id),
                version TEXT NOT NULL,
                digest TEXT NOT NULL,
                environment TEXT NOT NULL,
                class TEXT NOT NULL CHECK (class IN ('test', 'staging', 'production')),
                accepted_by TEXT NOT NULL,
                accepted_at REAL NOT NULL,
                evidence_digest TEXT,
                evidence_name TEXT
            );
            CREATE INDEX release_acceptances_digest ON release_acceptances (app, digest);
            CREATE TABLE release_overrides (
                id INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                version TEXT NOT NULL,
                digest TEXT,
                action TEXT NOT NULL,
                environment TEXT,
                rule TEXT NOT NULL,
                refusal TEXT NOT NULL,
                reason TEXT NOT NULL,
                forced_by TEXT NOT NULL,
                forced_at REAL NOT NULL
            );
            CREATE TABLE release_policies (
                app TEXT PRIMARY KEY,
                policy TEXT NOT NULL,
                set_at REAL NOT NULL
            );
            """),
    ] + DeploySchema.migrations
}
