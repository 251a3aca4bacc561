import PlatStore

/// The engine's tables. Every run is one row of `runs`; its code is pinned in `run_sources`; every effect it
/// performed is a row of `journal`, keyed by (run, step path + sequence number).
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
    ]
}
