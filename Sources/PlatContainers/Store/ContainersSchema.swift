import PlatStore

/// The container runtime's tables, all prefixed `containers_` (the image catalogue and imported Kubernetes
/// clusters are module "containers_images"'s).
///
/// - `containers_clusters`: local clusters of podman nodes.
/// - `containers_nodes`: a cluster's nodes: how they are reached (`local` storage folder or `ssh` address),
///   capacity, labels and taints (JSON), state.
/// - `containers_installs`: an app installed in a namespace of a cluster: its chart, the revision that runs (or
///   is being rolled out), whether it is stopped, and replica counts set by `scale` (JSON, workload → count;
///   cleared by the next upgrade or rollback, as Helm resets them).
/// - `containers_revisions`: every install, upgrade and rollback: the chart, values and rendered manifests
///   (JSON), and its status: `pending` while it rolls out (a crash leaves it so; the next command on the
///   install resumes it), `deployed`, `superseded`, `failed` (rolled back by itself).
/// - `containers_autoscale`: one rule per workload: target CPU share (0: none), target memory share (version 2;
///   NULL: none), min/max replicas, cooldown; `containers_decisions` keep the memory share seen (version 2).
/// - `containers_decisions`: every autoscaling decision, with the figures it saw.
/// - `containers_events`: what happened to installs (deployed, failed, scaled, stopped, started,
///   uninstalled), in order: the `containers.app.changed` event source reads it.
public enum ContainersSchema {
    public static let migrations: [Migration] = [
        Migration(module: "containers", version: 1, sql: """
            CREATE TABLE containers_clusters (
                name TEXT PRIMARY KEY,
                created_at REAL NOT NULL
            );
            CREATE TABLE containers_nodes (
                cluster TEXT NOT NULL REFERENCES containers_clusters(name),
                name TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('local', 'ssh')),
                address TEXT NOT NULL,
                cpus REAL NOT NULL,
                memory INTEGER NOT NULL,
                labels TEXT NOT NULL DEFAULT '{}',
                taints TEXT NOT NULL DEFAULT '[]',
                state TEXT NOT NULL CHECK (state IN ('ready', 'cordoned', 'drained', 'down')),
                added_at REAL NOT NULL,
                PRIMARY KEY (cluster, name)
            );
            CREATE TABLE containers_installs (
                cluster TEXT NOT NULL REFERENCES containers_clusters(name),
                namespace TEXT NOT NULL,
                app TEXT NOT NULL,
                chart TEXT NOT NULL,
                revision INTEGER NOT NULL,
                stopped INTEGER NOT NULL DEFAULT 0,
                scales TEXT NOT NULL DEFAULT '{}',
                updated_at REAL NOT NULL,
                PRIMARY KEY (cluster, namespace, app)
            );
            CREATE TABLE containers_revisions (
                cluster TEXT NOT NULL,
                namespace TEXT NOT NULL,
                app TEXT NOT NULL,
                revision INTEGER NOT NULL,
                chart TEXT NOT NULL,
                values_json TEXT NOT NULL,
                manifests_json TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'deployed', 'superseded', 'failed')),
                description TEXT NOT NULL,
                who TEXT NOT NULL,
                at REAL NOT NULL,
                PRIMARY KEY (cluster, namespace, app, revision)
            );
            CREATE TABLE containers_autoscale (
                cluster TEXT NOT NULL,
                namespace TEXT NOT NULL,
                app TEXT NOT NULL,
                workload TEXT NOT NULL,
                target_cpu REAL NOT NULL,
                min_replicas INTEGER NOT NULL,
                max_replicas INTEGER NOT NULL,
                cooldown REAL NOT NULL,
                last_change REAL,
                PRIMARY KEY (cluster, namespace, app, workload)
            );
            CREATE TABLE containers_decisions (
                id INTEGER PRIMARY KEY,
                cluster TEXT NOT NULL,
                namespace TEXT NOT NULL,
                app TEXT NOT NULL,
                workload TEXT NOT NULL,
                at REAL NOT NULL,
                cpu_share REAL NOT NULL,
                replicas INTEGER NOT NULL,
                wanted INTEGER NOT NULL,
                action TEXT NOT NULL,
                reason TEXT NOT NULL
            );
            CREATE TABLE containers_events (
                seq INTEGER PRIMARY KEY,
                cluster TEXT NOT NULL,
                namespace TEXT NOT NULL,
                app TEXT NOT NULL,
                action TEXT NOT NULL,
                revision INTEGER NOT NULL,
                detail TEXT NOT NULL,
                who TEXT NOT NULL,
                at REAL NOT NULL
            );
            """),
        Migration(module: "containers", version: 2, sql: """
            ALTER TABLE containers_autoscale ADD COLUMN target_memory REAL;
            ALTER TABLE containers_decisions ADD COLUMN memory_share REAL;
            """),
    ]
}
