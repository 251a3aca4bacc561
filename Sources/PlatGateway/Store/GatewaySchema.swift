import PlatStore

/// The gateway module's tables. Definitions (the draft) are rows per gateway, stage and resource; a version is
/// a JSON snapshot written once and never updated; releases are the history of every publish, rollback and
/// offline/online change, succeeded or failed.
enum GatewaySchema {
    static let migrations: [Migration] = [
        Migration(module: "gateway", version: 1, sql: """
            CREATE TABLE gateway_gateways (
                name TEXT PRIMARY KEY,
                description TEXT NOT NULL,
                maintainers TEXT NOT NULL,
                default_auth TEXT NOT NULL,
                updated_by TEXT NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE gateway_stages (
                gateway TEXT NOT NULL REFERENCES gateway_gateways(name) ON DELETE CASCADE,
                name TEXT NOT NULL,
                env TEXT NOT NULL,
                env_class TEXT NOT NULL,
                variables TEXT NOT NULL,
                backends TEXT NOT NULL,
                PRIMARY KEY (gateway, name)
            );
            CREATE TABLE gateway_resources (
                gateway TEXT NOT NULL REFERENCES gateway_gateways(name) ON DELETE CASCADE,
                name TEXT NOT NULL,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                definition TEXT NOT NULL,
                position INTEGER NOT NULL,
                PRIMARY KEY (gateway, name)
            );
            CREATE TABLE gateway_versions (
                gateway TEXT NOT NULL,
                version TEXT NOT NULL,
                version_key TEXT NOT NULL,
                snapshot TEXT NOT NULL,
                comment TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (gateway, version_key)
            );
            CREATE TABLE gateway_releases (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                gateway TEXT NOT NULL,
                stage TEXT NOT NULL,
                version TEXT NOT NULL,
                action TEXT NOT NULL,
                status TEXT NOT NULL,
                forced TEXT,
                note TEXT NOT NULL,
                who TEXT NOT NULL,
                at REAL NOT NULL
            );
            CREATE INDEX gateway_releases_stage ON gateway_releases (gateway, stage, id);
            CREATE TABLE gateway_offline (
                gateway TEXT NOT NULL,
                stage TEXT NOT NULL,
                resource TEXT NOT NULL,
                PRIMARY KEY (gateway, stage, resource)
            );
            """),
        // Consumers (callers of gateway APIs), their keys and grants. A key is kept only as the digest the data
        // plane checks (docs/gateway.md, "Consumers and keys"); every change is a row of gateway_consumer_changes,
        // whose newest id is the revision the data plane is probed for.
        Migration(module: "gateway", version: 2, sql: """
            CREATE TABLE gateway_consumers (
                name TEXT PRIMARY KEY,
                description TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE TABLE gateway_consumer_keys (
                id TEXT PRIMARY KEY,
                consumer TEXT NOT NULL REFERENCES gateway_consumers(name) ON DELETE CASCADE,
                digest TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at REAL NOT NULL,
                revoked_at REAL
            );
            CREATE TABLE gateway_grants (
                consumer TEXT NOT NULL REFERENCES gateway_consumers(name) ON DELETE CASCADE,
                gateway TEXT NOT NULL,
                resource TEXT NOT NULL,
                granted_by TEXT NOT NULL,
                granted_at REAL NOT NULL,
                PRIMARY KEY (consumer, gateway, resource)
            );
            CREATE TABLE gateway_consumer_changes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                consumer TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL,
                who TEXT NOT NULL,
                at REAL NOT NULL
            );
            """),
        // `gateway.published` events: a publish or rollback gets the next event_seq when it succeeds, so
        // subscribers see releases in the order they went live, whatever their ids.
        Migration(module: "gateway", version: 3, sql: """
            ALTER TABLE gateway_releases ADD COLUMN event_seq INTEGER;
            CREATE INDEX gateway_releases_event ON gateway_releases (event_seq);
            -- Mock stages answer documented examples (docs/gateway.md, "Mock stage").
            ALTER TABLE gateway_stages ADD COLUMN mock INTEGER NOT NULL DEFAULT 0;
            """),
        // Plugins installed from .plat files (`gateway plugin install`): their source is kept, so a publish
        // renders with exactly what was installed, wherever the file has gone since.
        Migration(module: "gateway", version: 4, sql: """
            CREATE TABLE gateway_plugins (
                name TEXT PRIMARY KEY,
                version TEXT NOT NULL,
                source TEXT NOT NULL,
                origin TEXT NOT NULL,
                installed_by TEXT NOT NULL,
                installed_at REAL NOT NULL
            );
            """),
        // A stage's settings beyond its backends (rate limits of its own; where its nginx runs), as JSON
        // (`StageSettings` in GatewayStore.swift), so later settings need no new column.
        Migration(module: "gateway", version: 5, sql: """
            ALTER TABLE gateway_stages ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
            """),
        // Consumers' own rate limits (`ConsumerLimit`): resource '' is the whole gateway.
        Migration(module: "gateway", version: 6, sql: """
            CREATE TABLE gateway_consumer_limits (
                consumer TEXT NOT NULL REFERENCES gateway_consumers(name) ON DELETE CASCADE,
                gateway TEXT NOT NULL,
                resource TEXT NOT NULL,
                rate TEXT NOT NULL,
                burst INTEGER NOT NULL,
                PRIMARY KEY (consumer, gateway, resource)
            );
            """),
    ]
}
