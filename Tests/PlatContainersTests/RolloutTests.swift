import Foundation
import Testing
import PlatLang
@testable import PlatContainers

/// End to end on a three-node local cluster of real podman nodes.
@Suite(.serialized) struct RolloutTests {
    @Test func installsOneChartIntoTwoNamespacesScalesAndUpgrades() throws {
        let f = try ClusterFixture("rollout")
        defer { f.cleanUp() }
        let dev = [ClusterFixture.deployment(replicas: 2, env: ["STAGE": "dev"])]
        let prod = [ClusterFixture.deployment(replicas: 3, env: ["STAGE": "prod"])]
        #expect(try f.apps.deploy(cluster: f.cluster, namespace: "dev", app: "shop", chart: "charts/web", manifests: dev,
                                  valuesJSON: "{}", description: "install", mustExist: false).revision == 1)
        try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "shop", chart: "charts/web", manifests: prod,
                          valuesJSON: "{}", description: "install", mustExist: false)
        let prodPods = try f.pods("shop", "prod")
        #expect(prodPods.count == 3)
        #expect(Set(prodPods.map(\.node)) == ["n1", "n2", "n3"])  // spread
        #expect(Set(prodPods.map(\.replica)) == [0, 1, 2])
        #expect(try f.pods("shop", "dev").count == 2)

        // The values differ per namespace, inside the running containers.
        let onePod = prodPods[0]
        let node = try f.store.requireNode(cluster: f.cluster, name: onePod.node)
        let said = try f.apps.runtime(f.cluster).podman(for: node).exec(onePod.name + "-main", ["sh", "-c", "echo $STAGE"])
        #expect(said.stdoutText == "prod\n")

        // Installing again is refused; nothing changes.
        #expect(throws: ContainersError.self) {
            try f.apps.deploy(cluster: f.cluster, namespace: "dev", app: "shop", chart: "charts/web", manifests: dev,
                              valuesJSON: "{}", description: "install", mustExist: false)
        }

        // Scale up and down.
        _ = try f.apps.scale(cluster: f.cluster, namespace: "dev", app: "shop", workload: nil, replicas: 4)
        #expect(try f.pods("shop", "dev").map(\.replica).sorted() == [0, 1, 2, 3])
        _ = try f.apps.scale(cluster: f.cluster, namespace: "dev", app: "shop", workload: nil, replicas: 1)
        #expect(try f.pods("shop", "dev").map(\.replica) == [0])

        // A rolling upgrade to a new image: every replica replaced, never more than one extra pod.
        let v2 = [ClusterFixture.deployment(replicas: 3, image: "localhost/base:2", env: ["STAGE": "prod"], probe: "true")]
        let out = try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "shop", chart: "charts/web", manifests: v2,
                                    valuesJSON: "{}", description: "upgrade", mustExist: true)
        #expect(out.revision == 2)
        let upgraded = try f.pods("shop", "prod")
        #expect(upgraded.count == 3 && upgraded.allSatisfy { $0.revision == 2 && $0.isRunning })
        #expect(Set(upgraded.map(\.replica)) == [0, 1, 2])
        let revisions = try f.store.revisions(cluster: f.cluster, namespace: "prod", app: "shop")
        #expect(revisions.map(\.status) == ["superseded", "deployed"])
        // Surge 1, unavailable 0: each batch starts one pod, then removes one.
        let prodLines = f.lines.filter { $0.hasPrefix("shop/prod") && $0.contains("revision") }
        #expect(prodLines.suffix(6).map { $0.contains("started") } == [true, false, true, false, true, false])

        // Rollback makes revision 3 with revision 1's manifests.
        let back = try f.apps.rollback(cluster: f.cluster, namespace: "prod", app: "shop", to: nil)
        #expect(back.revision == 3)
        #expect(try f.pods("shop", "prod").allSatisfy { $0.revision == 3 })
        #expect(try f.store.revisions(cluster: f.cluster, namespace: "prod", app: "shop").last?.description == "rollback to revision 1")
    }

    @Test func aFailedHealthCheckRollsBackByItself() throws {
        let f = try ClusterFixture("rollback", nodes: ["n1", "n2"])
        defer { f.cleanUp() }
        try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "api", chart: "c", manifests: [ClusterFixture.deployment(replicas: 2, probe: "true")],
                          valuesJSON: "{}", description: "install", mustExist: false)
        let before = try f.pods("api", "prod")
        let broken = [ClusterFixture.deployment(replicas: 2, image: "localhost/base:2", probe: "test -e /nonexistent")]
        let e = #expect(throws: ContainersError.self) {
            try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "api", chart: "c", manifests: broken,
                              valuesJSON: "{}", description: "upgrade", mustExist: true)
        }
        #expect(e?.message.contains("failed and was rolled back to revision 1") == true)
        #expect(e?.message.contains("failed its health check") == true)
        let after = try f.pods("api", "prod")
        #expect(after.count == 2 && after.allSatisfy { $0.revision == 1 && $0.isRunning })
        // maxUnavailable 0: the old replicas were never touched.
        #expect(Set(after.map(\.name)) == Set(before.map(\.name)))
        let install = try f.store.requireInstall(cluster: f.cluster, namespace: "prod", app: "api")
        #expect(install.revision == 1)
        #expect(try f.store.revisions(cluster: f.cluster, namespace: "prod", app: "api").map(\.status) == ["deployed", "failed"])
    }

    @Test func badInputChangesNothing() throws {
        let f = try ClusterFixture("badinput", nodes: ["n1", "n2"], cpus: 1)
        defer { f.cleanUp() }
        var n1 = try f.store.requireNode(cluster: f.cluster, name: "n1")
        n1.taints = [try Taint.parse("dedicated=db:NoSchedule")]
        try f.store.updateNode(n1)
        try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "api", chart: "c", manifests: [ClusterFixture.deployment(replicas: 1)],
                          valuesJSON: "{}", description: "install", mustExist: false)
        let before = try f.pods("api", "prod")

        // Two replicas of 2 CPUs: n1 is tainted, n2 has 1 CPU.
        let big = [ClusterFixture.deployment(replicas: 2, image: "localhost/base:2", cpu: "2")]
        let e = #expect(throws: ContainersError.self) {
            try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "api", chart: "c", manifests: big,
                              valuesJSON: "{}", description: "upgrade", mustExist: true)
        }
        #expect(e?.message == "api in prod: replica 0 of web cannot be placed: no node: 1 lacks 2 CPU, 1 tainted dedicated=db")

        let missing = [ClusterFixture.deployment(replicas: 1, image: "localhost/nothing:1")]
        let m = #expect(throws: ContainersError.self) {
            try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "api", chart: "c", manifests: missing,
                              valuesJSON: "{}", description: "upgrade", mustExist: true)
        }
        #expect(m?.message.hasPrefix("image localhost/nothing:1 does not exist") == true)

        // Another project's image (the catalogue says whose it is) is refused before anything runs.
        try ImageCatalog.record(db: f.db, reference: "localhost/base:2", imageID: "0", size: 1, project: "billing", source: .import, origin: "test", actor: "test")
        #expect(throws: ContainerInputError.self) {
            try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "api", chart: "c",
                              manifests: [ClusterFixture.deployment(replicas: 1, image: "localhost/base:2")],
                              valuesJSON: "{}", description: "upgrade", mustExist: true, project: "shop")
        }
        #expect(try f.pods("api", "prod") == before)
        #expect(try f.store.revisions(cluster: f.cluster, namespace: "prod", app: "api").count == 1)
    }

    @Test func aDrainMovesPodsAwayWithinTheRollingLimits() throws {
        let f = try ClusterFixture("drain")
        defer { f.cleanUp() }
        try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "web", chart: "c", manifests: [ClusterFixture.deployment(replicas: 3)],
                          valuesJSON: "{}", description: "install", mustExist: false)
        #expect(try f.pods("web", "prod").contains { $0.node == "n1" })
        let moved = try f.apps.drain(cluster: f.cluster, node: "n1")
        #expect(moved == 1)
        let after = try f.pods("web", "prod")
        #expect(after.count == 3 && !after.contains { $0.node == "n1" } && Set(after.map(\.replica)) == [0, 1, 2])
        #expect(try f.store.requireNode(cluster: f.cluster, name: "n1").state == .drained)
        // A drained node takes nothing new.
        _ = try f.apps.scale(cluster: f.cluster, namespace: "prod", app: "web", workload: nil, replicas: 5)
        #expect(try !f.pods("web", "prod").contains { $0.node == "n1" })

        // A stopped app stays stopped through a scale; start brings every replica back.
        #expect(try f.apps.setRunning(cluster: f.cluster, namespace: "prod", app: "web", running: false) == 5)
        _ = try f.apps.scale(cluster: f.cluster, namespace: "prod", app: "web", workload: nil, replicas: 2)
        let stopped = try f.pods("web", "prod")
        #expect(stopped.count == 2 && stopped.allSatisfy { !$0.isRunning })
        _ = try f.apps.setRunning(cluster: f.cluster, namespace: "prod", app: "web", running: true)
        let started = try f.pods("web", "prod")
        #expect(started.count == 2 && started.allSatisfy(\.isRunning))
    }
}
