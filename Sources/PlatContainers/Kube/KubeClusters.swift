import Foundation
import PlatStore

/// A Kubernetes cluster registered with `platflow cluster import`: which kubeconfig file and context reach
/// it, its API server (for listings) and the namespace its context defaults to.
public struct KubeCluster: Equatable {
    public var name: String
    /// Absolute path of the kubeconfig file (credentials stay there).
    public var kubeconfig: String
    public var context: String
    public var server: String
    public var namespace: String
    public var importedBy: String
    public var importedAt: Double

    /// The backend that builds and runs kubectl commands against this cluster.
    public func backend(kubectl: String = KubectlBackend.defaultKubectl) -> KubectlBackend {
        KubectlBackend(kubeconfig: kubeconfig, context: context, kubectl: kubectl)
    }
}

/// The registered Kubernetes clusters (table `containers_kube_clusters`). platflow cannot create a Kubernetes
/// cluster (there is no API server to be had on these machines); it drives an existing one with kubectl.
public enum KubeClusters {
    /// Registers the cluster a kubeconfig context reaches. `name` defaults to the context's name; it must be
    /// a DNS-1123 label and not registered yet. Nothing is written when any check fails.
    @discardableResult
    public static func importCluster(db: Database, kubeconfig path: String, name: String? = nil, context: String? = nil,
                                     actor: String, now: Double = Date().timeIntervalSince1970) throws -> KubeCluster {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let config = try Kubeconfig.load(path: path)
        let (ctx, server) = try config.context(context)
        let clusterName = name ?? ctx.name
        if let p = KubernetesNames.dns1123Label(clusterName) {
            throw ContainerInputError("cluster name \"\(clusterName)\" \(p)",
                             hint: name == nil ? "the context's name is not a usable cluster name: give one with --name" : "e.g. --name prod-k8s")
        }
        let cluster = KubeCluster(name: clusterName, kubeconfig: absolute, context: ctx.name, server: server,
                                  namespace: ctx.namespace ?? "default", importedBy: actor, importedAt: now)
        try db.transaction {
            if try db.queryOne("SELECT 1 FROM containers_kube_clusters WHERE name = ?", clusterName) != nil {
                throw ContainerInputError("a Kubernetes cluster named \"\(clusterName)\" is already registered",
                                 hint: "remove it first, or import this one with another --name")
            }
            try db.execute("""
                INSERT INTO containers_kube_clusters (name, kubeconfig, context, server, namespace, imported_by, imported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, cluster.name, cluster.kubeconfig, cluster.context, cluster.server, cluster.namespace, actor, now)
        }
        return cluster
    }

    /// Every registered Kubernetes cluster, by name (what `platflow cluster list` shows beside podman clusters).
    public static func list(db: Database) throws -> [KubeCluster] {
        try db.query("SELECT * FROM containers_kube_clusters ORDER BY name").map(cluster)
    }

    public static func get(db: Database, name: String) throws -> KubeCluster? {
        try db.queryOne("SELECT * FROM containers_kube_clusters WHERE name = ?", name).map(cluster)
    }

    /// Forgets the cluster (the cluster itself and the kubeconfig file are untouched). Returns whether it existed.
    @discardableResult
    public static func remove(db: Database, name: String) throws -> Bool {
        try db.execute("DELETE FROM containers_kube_clusters WHERE name = ?", name)
        return db.changes > 0
    }

    private static func cluster(_ r: Row) -> KubeCluster {
        KubeCluster(name: r.string("name") ?? "", kubeconfig: r.string("kubeconfig") ?? "", context: r.string("context") ?? "",
                    server: r.string("server") ?? "", namespace: r.string("namespace") ?? "default",
                    importedBy: r.string("imported_by") ?? "", importedAt: r.double("imported_at") ?? 0)
    }
}
