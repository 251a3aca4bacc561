import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// An install of an app in a namespace of a cluster.
public struct Install: Sendable, Equatable {
    public var cluster: String
    public var namespace: String
    public var app: String
    public var chart: String
    public var revision: Int
    public var stopped: Bool
    /// Replica counts set by `scale` (workload → count), on top of the revision's manifests.
    public var scales: [String: Int]
    public var updatedAt: Double
}

/// One numbered revision of an install.
public struct Revision: Sendable {
    public var cluster: String
    public var namespace: String
    public var app: String
    public var number: Int
    public var chart: String
    public var valuesJSON: String
    public var manifestsJSON: String
    public var status: String
    public var description: String
    public var who: String
    public var at: Double

    public func manifests() throws -> [Value] {
        guard case .list(let items) = try JSON.decode(manifestsJSON) else { return [] }
        return items
    }
}

/// Clusters, nodes, installs and revisions on one database connection. Every change is one transaction and
/// input is checked before anything is written.
public final class ContainersStore {
    public let db: Database
    public var actor: String
    public var clock: () -> Double

    public init(db: Database, actor: String? = nil, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        self.db = db
        self.actor = actor ?? RunExecutor.currentUser()
        self.clock = clock
    }

    // MARK: Clusters

    public func createCluster(_ name: String) throws {
        try ContainerNames.check(name, "cluster")
        try db.transaction {
            if try db.queryOne("SELECT name FROM containers_clusters WHERE name = ?", name) != nil {
                throw ContainersError("cluster '\(name)' exists already", hint: "`platflow cluster show \(name)`")
            }
            try db.execute("INSERT INTO containers_clusters (name, created_at) VALUES (?, ?)", name, clock())
        }
    }

    public func clusters() throws -> [(name: String, createdAt: Double)] {
        try db.query("SELECT name, created_at FROM containers_clusters ORDER BY name").map {
            ($0.string("name") ?? "", $0.double("created_at") ?? 0)
        }
    }

    /// `name`, or the only cluster when `name` is nil; a clear error otherwise.
    public func resolveCluster(_ name: String?) throws -> String {
        let all = try clusters().map(\.name)
        if let name {
            guard all.contains(name) else {
                throw ContainersError("no cluster named '\(name)'",
                                      hint: all.isEmpty ? "create one: `platflow cluster create NAME`"
                                          : "clusters: \(all.joined(separator: ", "))")
            }
            return name
        }
        guard all.count == 1 else {
            throw ContainersError(all.isEmpty ? "there is no cluster yet" : "several clusters: say which with --cluster",
                                  hint: all.isEmpty ? "`platflow cluster create NAME` then `platflow node add NAME --cluster NAME`"
                                      : "clusters: \(all.joined(separator: ", "))")
        }
        return all[0]
    }

    /// Removes a cluster with no installs (its nodes' rows go with it; their storage folders stay on disk).
    public func removeCluster(_ name: String) throws {
        try db.transaction {
            let installs = try self.installs(cluster: name)
            if !installs.isEmpty {
                throw ContainersError("cluster '\(name)' still has \(installs.count) install(s)",
                                      hint: "uninstall them first: \(installs.map { "\($0.app) in \($0.namespace)" }.joined(separator: ", "))")
            }
            try db.execute("DELETE FROM containers_nodes WHERE cluster = ?", name)
            try db.execute("DELETE FROM containers_clusters WHERE name = ?", name)
        }
    }

    // MARK: Nodes

    public func addNode(_ node: Node) throws {
        try ContainerNames.check(node.name, "node")
        guard node.cpus > 0, node.memoryBytes > 0 else {
            throw ContainersError("node \(node.name): capacity must be positive", hint: "--cpus 2 --memory 4Gi")
        }
        try db.transaction {
            if try self.node(cluster: node.cluster, name: node.name) != nil {
                throw ContainersError("node '\(node.name)' is already in cluster \(node.cluster)")
            }
            try db.execute("""
                INSERT INTO containers_nodes (cluster, name, kind, address, cpus, memory, labels, taints, state, added_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, node.cluster, node.name, node.kind, node.address, node.cpus, node.memoryBytes,
                           Self.encode(node.labels), Self.encode(node.taints), node.state.rawValue, clock())
        }
    }

    public func nodes(cluster: String) throws -> [Node] {
        try db.query("SELECT * FROM containers_nodes WHERE cluster = ? ORDER BY name", cluster).map(Self.node)
    }

    public func node(cluster: String, name: String) throws -> Node? {
        try db.queryOne("SELECT * FROM containers_nodes WHERE cluster = ? AND name = ?", cluster, name).map(Self.node)
    }

    public func requireNode(cluster: String, name: String) throws -> Node {
        guard let n = try node(cluster: cluster, name: name) else {
            let names = try nodes(cluster: cluster).map(\.name)
            throw ContainersError("cluster \(cluster) has no node '\(name)'",
                                  hint: names.isEmpty ? "add one: `platflow node add NAME --cluster \(cluster)`" : "nodes: \(names.joined(separator: ", "))")
        }
        return n
    }

    public func updateNode(_ node: Node) throws {
        try db.execute("UPDATE containers_nodes SET labels = ?, taints = ?, state = ?, cpus = ?, memory = ? WHERE cluster = ? AND name = ?",
                       Self.encode(node.labels), Self.encode(node.taints), node.state.rawValue, node.cpus, node.memoryBytes,
                       node.cluster, node.name)
    }

    public func removeNode(cluster: String, name: String) throws {
        try db.execute("DELETE FROM containers_nodes WHERE cluster = ? AND name = ?", cluster, name)
    }

    static func node(_ r: Row) -> Node {
        Node(cluster: r.string("cluster") ?? "", name: r.string("name") ?? "", kind: r.string("kind") ?? "local",
             address: r.string("address") ?? "", cpus: r.double("cpus") ?? 0, memoryBytes: r.int("memory") ?? 0,
             labels: decode(r.string("labels"), as: [String: String].self) ?? [:],
             taints: decode(r.string("taints"), as: [Taint].self) ?? [],
             state: NodeState(rawValue: r.string("state") ?? "") ?? .down, addedAt: r.double("added_at") ?? 0)
    }

    // MARK: Installs and revisions

    public func installs(cluster: String? = nil) throws -> [Install] {
        let rows = cluster == nil
            ? try db.query("SELECT * FROM containers_installs ORDER BY cluster, app, namespace")
            : try db.query("SELECT * FROM containers_installs WHERE cluster = ? ORDER BY app, namespace", cluster)
        return rows.map(Self.install)
    }

    public func install(cluster: String, namespace: String, app: String) throws -> Install? {
        try db.queryOne("SELECT * FROM containers_installs WHERE cluster = ? AND namespace = ? AND app = ?",
                        cluster, namespace, app).map(Self.install)
    }

    public func requireInstall(cluster: String, namespace: String, app: String) throws -> Install {
        guard let i = try install(cluster: cluster, namespace: namespace, app: app) else {
            let elsewhere = try installs(cluster: cluster).filter { $0.app == app }.map(\.namespace)
            throw ContainersError("app \(app) is not installed in namespace \(namespace) of cluster \(cluster)",
                                  hint: elsewhere.isEmpty ? "`platflow app install \(app) CHART --namespace \(namespace)`"
                                      : "it is installed in: \(elsewhere.joined(separator: ", ")) (--namespace)")
        }
        return i
    }

    static func install(_ r: Row) -> Install {
        Install(cluster: r.string("cluster") ?? "", namespace: r.string("namespace") ?? "", app: r.string("app") ?? "",
                chart: r.string("chart") ?? "", revision: Int(r.int("revision") ?? 0), stopped: (r.int("stopped") ?? 0) != 0,
                scales: decode(r.string("scales"), as: [String: Int].self) ?? [:], updatedAt: r.double("updated_at") ?? 0)
    }

    /// Records a new revision as `pending` and points the install at it (creating the install for revision 1);
    /// scale overrides are cleared. Returns the revision number.
    public func beginRevision(cluster: String, namespace: String, app: String, chart: String, valuesJSON: String,
                              manifestsJSON: String, description: String) throws -> Int {
        try db.transaction {
            let last = try db.queryOne("SELECT MAX(revision) AS n FROM containers_revisions WHERE cluster = ? AND namespace = ? AND app = ?",
                                       cluster, namespace, app)?.int("n") ?? 0
            let number = Int(last) + 1
            // A revision still pending (a crashed rollout) is replaced by this one.
            try db.execute("UPDATE containers_revisions SET status = 'superseded' WHERE cluster = ? AND namespace = ? AND app = ? AND status = 'pending'",
                           cluster, namespace, app)
            try db.execute("""
                INSERT INTO containers_revisions (cluster, namespace, app, revision, chart, values_json, manifests_json, status,
                                                  description, who, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                """, cluster, namespace, app, number, chart, valuesJSON, manifestsJSON, description, actor, clock())
            try db.execute("""
                INSERT INTO containers_installs (cluster, namespace, app, chart, revision, stopped, scales, updated_at)
                VALUES (?, ?, ?, ?, ?, 0, '{}', ?)
                ON CONFLICT (cluster, namespace, app) DO UPDATE SET chart = excluded.chart, revision = excluded.revision,
                    scales = '{}', stopped = 0, updated_at = excluded.updated_at
                """, cluster, namespace, app, chart, number, clock())
            return number
        }
    }

    /// The rollout of `number` finished: it is deployed, the revision deployed before it superseded.
    public func markDeployed(_ i: Install, revision number: Int) throws {
        try db.transaction {
            try db.execute("UPDATE containers_revisions SET status = 'superseded' WHERE cluster = ? AND namespace = ? AND app = ? AND status = 'deployed' AND revision <> ?",
                           i.cluster, i.namespace, i.app, number)
            try db.execute("UPDATE containers_revisions SET status = 'deployed' WHERE cluster = ? AND namespace = ? AND app = ? AND revision = ?",
                           i.cluster, i.namespace, i.app, number)
            try recordEvent(i, action: "deployed", revision: number, detail: "")
        }
    }

    /// The rollout of `failed` failed and the install went back to `back` (nil: a first install that failed,
    /// which leaves no install behind).
    public func markFailed(_ i: Install, revision failed: Int, reason: String, back: Int?) throws {
        try db.transaction {
            try db.execute("UPDATE containers_revisions SET status = 'failed', description = description || ' — failed: ' || ? WHERE cluster = ? AND namespace = ? AND app = ? AND revision = ?",
                           reason, i.cluster, i.namespace, i.app, failed)
            if let back {
                try db.execute("UPDATE containers_installs SET revision = ?, updated_at = ? WHERE cluster = ? AND namespace = ? AND app = ?",
                               back, clock(), i.cluster, i.namespace, i.app)
            } else {
                try db.execute("DELETE FROM containers_installs WHERE cluster = ? AND namespace = ? AND app = ?", i.cluster, i.namespace, i.app)
            }
            try recordEvent(i, action: "failed", revision: failed, detail: reason)
        }
    }

    public func revisions(cluster: String, namespace: String, app: String) throws -> [Revision] {
        try db.query("SELECT * FROM containers_revisions WHERE cluster = ? AND namespace = ? AND app = ? ORDER BY revision",
                     cluster, namespace, app).map(Self.revision)
    }

    public func revision(cluster: String, namespace: String, app: String, number: Int) throws -> Revision? {
        try db.queryOne("SELECT * FROM containers_revisions WHERE cluster = ? AND namespace = ? AND app = ? AND revision = ?",
                        cluster, namespace, app, number).map(Self.revision)
    }

    /// The deployed revision before `number` (what a failed rollout goes back to).
    public func lastDeployed(cluster: String, namespace: String, app: String, before number: Int) throws -> Revision? {
        try db.queryOne("SELECT * FROM containers_revisions WHERE cluster = ? AND namespace = ? AND app = ? AND revision < ? AND status IN ('deployed', 'superseded') ORDER BY (status = 'deployed') DESC, revision DESC LIMIT 1",
                        cluster, namespace, app, number).map(Self.revision)
    }

    static func revision(_ r: Row) -> Revision {
        Revision(cluster: r.string("cluster") ?? "", namespace: r.string("namespace") ?? "", app: r.string("app") ?? "",
                 number: Int(r.int("revision") ?? 0), chart: r.string("chart") ?? "", valuesJSON: r.string("values_json") ?? "{}",
                 manifestsJSON: r.string("manifests_json") ?? "[]", status: r.string("status") ?? "", description: r.string("description") ?? "",
                 who: r.string("who") ?? "", at: r.double("at") ?? 0)
    }

    public func setScale(_ i: Install, workload: String, replicas: Int) throws {
        var scales = try requireInstall(cluster: i.cluster, namespace: i.namespace, app: i.app).scales
        scales[workload] = replicas
        try db.transaction {
            try db.execute("UPDATE containers_installs SET scales = ?, updated_at = ? WHERE cluster = ? AND namespace = ? AND app = ?",
                           Self.encode(scales), clock(), i.cluster, i.namespace, i.app)
            try recordEvent(i, action: "scaled", revision: i.revision, detail: "\(workload)=\(replicas)")
        }
    }

    public func setStopped(_ i: Install, _ stopped: Bool) throws {
        try db.transaction {
            try db.execute("UPDATE containers_installs SET stopped = ?, updated_at = ? WHERE cluster = ? AND namespace = ? AND app = ?",
                           stopped ? 1 : 0, clock(), i.cluster, i.namespace, i.app)
            try recordEvent(i, action: stopped ? "stopped" : "started", revision: i.revision, detail: "")
        }
    }

    public func removeInstall(_ i: Install) throws {
        try db.transaction {
            try db.execute("DELETE FROM containers_installs WHERE cluster = ? AND namespace = ? AND app = ?", i.cluster, i.namespace, i.app)
            try db.execute("DELETE FROM containers_autoscale WHERE cluster = ? AND namespace = ? AND app = ?", i.cluster, i.namespace, i.app)
            try recordEvent(i, action: "uninstalled", revision: i.revision, detail: "")
        }
    }

    // MARK: Events

    /// Appends a `containers.app.changed` event (inside the caller's transaction).
    func recordEvent(_ i: Install, action: String, revision: Int, detail: String) throws {
        try db.execute("INSERT INTO containers_events (cluster, namespace, app, action, revision, detail, who, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       i.cluster, i.namespace, i.app, action, revision, detail, actor, clock())
    }

    // MARK: JSON columns

    static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    static func decode<T: Decodable>(_ text: String?, as: T.Type) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
