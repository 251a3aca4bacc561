import Foundation
import PlatEngine
import PlatLang
import PlatStore
@testable import PlatContainers

/// A local cluster of podman nodes for a test: a database, N nodes with their own storage and the base image
/// (also tagged `localhost/base:2`, so an upgrade changes the image).
final class ClusterFixture {
    let folder: String
    let db: Database
    let store: ContainersStore
    let apps: ContainerApps
    let cluster = "c1"
    var lines: [String] = []
    private(set) var podmans: [Podman] = []

    init(_ name: String, nodes: [String] = ["n1", "n2", "n3"], cpus: Double = 4) throws {
        folder = try PodmanTestKit.scratch(name)
        let engine = try RunStore.open(path: folder + "/platflow.db", modules: ModuleSet([ContainersModule()]), durability: .normal)
        db = engine.db
        store = ContainersStore(db: db, actor: "test")
        apps = ContainerApps(store: store, environment: try PodmanTestKit.environment())
        try store.createCluster(cluster)
        let lock = NSLock()
        apps.progress = { [weak self] line in
            lock.lock()
            self?.lines.append(line)
            lock.unlock()
        }
        for n in nodes {
            let storage = NodeStorage.beside(database: folder + "/platflow.db", node: "\(cluster)-\(n)")
            try storage.prepare()
            let podman = Podman.local(storage, environment: try PodmanTestKit.environment())
            try PodmanTestKit.importBase(into: podman, scratch: folder)
            try podman.tag(PodmanTestKit.baseImage, as: "localhost/base:2")
            podmans.append(podman)
            try store.addNode(Node(cluster: cluster, name: n, kind: "local", address: storage.folder, cpus: cpus, memoryBytes: 4 << 30))
        }
    }

    func cleanUp() { PodmanTestKit.cleanUp(podmans, folder: folder) }

    /// Pods of an app, as the runtime shows them.
    func pods(_ app: String, _ namespace: String) throws -> [ObservedPod] {
        try apps.runtime(cluster).observe(labels: [PodLabels.app: app, PodLabels.namespace: namespace]).pods
    }

    /// A Deployment manifest as a chart renders it.
    static func deployment(_ name: String = "web", replicas: Int, image: String = PodmanTestKit.baseImage,
                           env: [String: String] = [:], probe: String? = nil, surge: Int = 1, unavailable: Int = 0,
                           cpu: String = "100m", selector: [String: String]? = nil) -> Value {
        var container: [(String, Value)] = [
            ("name", .string("main")), ("image", .string(image)),
            ("command", .list([.string("sh"), .string("-c")])),
            ("args", .list([.string("echo up; exec sleep 100000")])),
            ("env", .list(env.sorted { $0.key < $1.key }.map { .makeMap([("name", .string($0.key)), ("value", .string($0.value))]) })),
            ("resources", .makeMap([("requests", .makeMap([("cpu", .string(cpu)), ("memory", .string("16Mi"))]))])),
        ]
        if let probe {
            container.append(("readinessProbe", .makeMap([("exec", .makeMap([("command", .list([.string("sh"), .string("-c"), .string(probe)]))])),
                                                          ("periodSeconds", .int(1)), ("failureThreshold", .int(2))])))
        }
        var podSpec: [(String, Value)] = [("containers", .list([.makeMap(container)]))]
        if let selector { podSpec.append(("nodeSelector", .makeMap(selector.map { ($0.key, .string($0.value)) }))) }
        return .makeMap([
            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
            ("metadata", .makeMap([("name", .string(name))])),
            ("spec", .makeMap([
                ("replicas", .int(replicas)),
                ("strategy", .makeMap([("type", .string("RollingUpdate")),
                                       ("rollingUpdate", .makeMap([("maxSurge", .int(surge)), ("maxUnavailable", .int(unavailable))]))])),
                ("template", .makeMap([("spec", .makeMap(podSpec))])),
            ])),
        ])
    }
}
