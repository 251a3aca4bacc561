import PlatStore

/// The engine's tables. Every run is one row of `runs`; its code is pinned in `run_sources`; every effect it
/// performed is a row of `engine_journal`, keyed by (run, step path + sequence number); a fleet effect's entry
/// for one host is a row of `engine_journal_hosts`, keyed by (run, the effect's key, host).
public enum EngineSchema {
    public static let migrations: [Migration] = [
        Migration(module: "engine", version: 1, sql: """
            CREATE TABLE engine_runs (
                id TEXT PRIMARY KEY,
                file TEXT NOT NULL,
                plan TEXT,
                status TEXT NOT NULL,
                params TEXT NOT NULL,
                secret_params TEXT NOT NULL DEFAULT '[]',
                created_at REAL NOT NULL,
                started_at REAL,
                finished_at REAL,
                error TEXT,
                started_by TEXT NOT NULL DEFAULT '',
                lease_owner TEXT,
                lease_expires REAL,
                wake_at REAL,
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                attempt INTEGER NOT NULL DEFAULT 1,
                schedule TEXT,
                fire_time REAL
            );
            CREATE INDEX engine_runs_status ON engine_runs(status, wake_at);
            CREATE TABLE engine_run_sources (
                run_id TEXT NOT NULL REFERENCES engine_runs(id) ON DELETE CASCADE,
                path TEXT NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY (run_id, path)
            );
            CREATE TABLE engine_journal (
                run_id TEXT NOT NULL REFERENCES engine_runs(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                effect TEXT NOT NULL,
                args TEXT NOT NULL,
                status TEXT NOT NULL,
                result TEXT,
                error TEXT,
                started_at REAL NOT NULL,
                finished_at REAL,
                PRIMARY KEY (run_id, key)
            );
            CREATE TABLE engine_steps (
                run_id TEXT NOT NULL REFERENCES engine_runs(id) ON DELETE CASCADE,
                path TEXT NOT NULL,
                status TEXT NOT NULL,
                attempt INTEGER NOT NULL DEFAULT 1,
                started_at REAL,
                finished_at REAL,
                error TEXT,
                PRIMARY KEY (run_id, path)
            );
            CREATE TABLE engine_logs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id TEXT NOT NULL REFERENCES engine_runs(id) ON DELETE CASCADE,
                at REAL NOT NULL,
                step TEXT NOT NULL,
                kind TEXT NOT NULL,
                text TEXT NOT NULL
            );
            CREATE INDEX engine_logs_run ON engine_logs(run_id, id);
            CREATE TABLE engine_approvals (
                run_id TEXT NOT NULL REFERENCES engine_runs(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                message TEXT NOT NULL,
                approvers TEXT NOT NULL,
                quorum INTEGER NOT NULL,
                allow_self INTEGER NOT NULL,
                timeout_at REAL,
                on_timeout TEXT NOT NULL,
                status TEXT NOT NULL,
                requested_at REAL NOT NULL,
                decided_at REAL,
                PRIMARY KEY (run_id, key)
            );
            CREATE TABLE engine_approval_decisions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id TEXT NOT NULL,
                key TEXT NOT NULL,
                who TEXT NOT NULL,
                decision TEXT NOT NULL,
                comment TEXT NOT NULL DEFAULT '',
                at REAL NOT NULL,
                UNIQUE (run_id, key, who)
            );
            CREATE TABLE engine_schedules (
                name TEXT PRIMARY KEY,
                file TEXT NOT NULL,
                cron TEXT NOT NULL,
                tz TEXT NOT NULL,
                plan TEXT NOT NULL,
                args TEXT NOT NULL,
                overlap TEXT NOT NULL,
                catch_up_ms INTEGER NOT NULL,
                paused INTEGER NOT NULL DEFAULT 0,
                next_fire REAL,
                last_fire REAL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE engine_schedule_fires (
                schedule TEXT NOT NULL,
                fire_time REAL NOT NULL,
                run_id TEXT,
                outcome TEXT NOT NULL,
                at REAL NOT NULL,
                PRIMARY KEY (schedule, fire_time)
            );
            """),
        Migration(module: "engine", version: 2, sql: """
            CREATE TABLE engine_subscriptions (
                name TEXT PRIMARY KEY,
                file TEXT NOT NULL,
                event TEXT NOT NULL,
                filter TEXT,
                plan TEXT NOT NULL,
                args TEXT NOT NULL,
                cursor INTEGER NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE engine_subscription_deliveries (
                subscription TEXT NOT NULL,
                cursor INTEGER NOT NULL,
                run_id TEXT,
                outcome TEXT NOT NULL,
                at REAL NOT NULL,
                PRIMARY KEY (subscription, cursor)
            );
            """),
        // A fleet effect's per-host entries and log lines used to be told apart by an `@` inside the key or the
        // step (`main/restart#1@web-07`), so a step named `deploy@prod` passed for a host. They get a place of
        // their own: host entries a table, log lines a `host` column.
        //
        // A legacy key `P#N@H` is a host entry only when the run also has an entry `P#N` (the fleet effect
        // itself, always recorded before its hosts). Every `@` of a key is a candidate split; the shortest
        // existing prefix wins, because a real effect's key never holds `#N@` (step names cannot hold `#`), while
        // a host name may hold `@` (`admin@db-1`). Candidates are looked up on the primary key, not scanned.
        Migration(module: "engine", version: 3, sql: """
            CREATE TABLE engine_journal_hosts (
                run_id TEXT NOT NULL REFERENCES engine_runs(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                host TEXT NOT NULL,
                effect TEXT NOT NULL,
                args TEXT NOT NULL,
                status TEXT NOT NULL,
                result TEXT,
                error TEXT,
                started_at REAL NOT NULL,
                finished_at REAL,
                PRIMARY KEY (run_id, key, host)
            );
            CREATE TEMP TABLE legacy_host_keys (run_id TEXT NOT NULL, key TEXT NOT NULL, parent TEXT NOT NULL,
                                                PRIMARY KEY (run_id, key));
            WITH RECURSIVE cut(run_id, key, pos) AS (
                SELECT run_id, key, instr(key, '@') FROM engine_journal WHERE instr(key, '@') > 0
                UNION ALL
                SELECT run_id, key, pos + instr(substr(key, pos + 1), '@') FROM cut
                WHERE instr(substr(key, pos + 1), '@') > 0
            )
            INSERT INTO legacy_host_keys (run_id, key, parent)
            SELECT c.run_id, c.key, substr(c.key, 1, min(c.pos) - 1) FROM cut c
            JOIN engine_journal p ON p.run_id = c.run_id AND p.key = substr(c.key, 1, c.pos - 1)
            GROUP BY c.run_id, c.key;
            INSERT INTO engine_journal_hosts (run_id, key, host, effect, args, status, result, error, started_at, finished_at)
            SELECT j.run_id, h.parent, substr(j.key, length(h.parent) + 2), j.effect, j.args, j.status, j.result, j.error,
                   j.started_at, j.finished_at
            FROM legacy_host_keys h JOIN engine_journal j ON j.run_id = h.run_id AND j.key = h.key;
            DELETE FROM engine_journal WHERE (run_id, key) IN (SELECT run_id, key FROM legacy_host_keys);
            DROP TABLE temp.legacy_host_keys;

            ALTER TABLE engine_logs ADD COLUMN host TEXT;
            CREATE TEMP TABLE legacy_host_steps (run_id TEXT NOT NULL, step TEXT NOT NULL, path TEXT NOT NULL,
                                                 host TEXT NOT NULL, PRIMARY KEY (run_id, step));
            INSERT OR IGNORE INTO legacy_host_steps (run_id, step, path, host)
            SELECT run_id, path || '@' || host, path, host FROM (
                SELECT DISTINCT run_id, substr(rtrim(key, '0123456789'), 1, length(rtrim(key, '0123456789')) - 1) AS path,
                       host
                FROM engine_journal_hosts
            );
            UPDATE engine_logs SET
                host = (SELECT s.host FROM legacy_host_steps s WHERE s.run_id = engine_logs.run_id AND s.step = engine_logs.step),
                step = (SELECT s.path FROM legacy_host_steps s WHERE s.run_id = engine_logs.run_id AND s.step = engine_logs.step)
            WHERE instr(step, '@') > 0 AND (run_id, step) IN (SELECT run_id, step FROM legacy_host_steps);
            DROP TABLE temp.legacy_host_steps;
            """),
        // A step's wall time is the time its attempts ran, not the time since it first started: `active_seconds`
        // holds what earlier processes (or attempts) spent on it, `live_since` when this stretch began.
        Migration(module: "engine", version: 4, sql: """
            ALTER TABLE engine_steps ADD COLUMN active_seconds REAL NOT NULL DEFAULT 0;
            ALTER TABLE engine_steps ADD COLUMN live_since REAL;
            -- How many hosts a fleet effect targets, so hosts that never started count as not run.
            ALTER TABLE engine_journal ADD COLUMN hosts_total INTEGER;
            -- Schedulers say they are alive, so a parked run can tell whether anything will wake it.
            CREATE TABLE engine_schedulers (owner TEXT PRIMARY KEY, seen_at REAL NOT NULL);
            """),
        // Schedules and subscriptions keep the code `schedule apply` checked, so a fire or an event while the file
        // is broken or moved still runs what was applied. `owner` is `schedule:NAME` or `subscription:NAME`.
        // Settings the database's owner decides (approval delegation); a decision made for someone else names both.
        Migration(module: "engine", version: 5, sql: """
            CREATE TABLE engine_declared_sources (
                owner TEXT NOT NULL,
                path TEXT NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY (owner, path)
            );
            CREATE TABLE engine_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, set_by TEXT NOT NULL, set_at REAL NOT NULL);
            ALTER TABLE engine_approval_decisions ADD COLUMN decided_by TEXT;
            -- `run --limit`: the host names and patterns a run's fleet effects are narrowed to (JSON), kept with
            -- the run so a resume or a retry stays narrowed.
            ALTER TABLE engine_runs ADD COLUMN target_limit TEXT;
            """),
    ]
}
