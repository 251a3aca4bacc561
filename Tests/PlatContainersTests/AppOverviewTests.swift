import Foundation
import Testing
import PlatEngine
@testable import PlatContainers

/// The container half of `platflow app show`: every install of an app with its revision, replicas ready out of
/// wanted, pods per node and each pod's health, read from podman.
@Suite(.serialized) struct AppOverviewTests {
    @Test func installsInTwoNamespacesWithTheirPodsNodesAndHealth() throws {
        let f = try ClusterFixture("overview", nodes: ["n1", "n2"])
        defer { f.cleanUp() }
        try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "web", chart: "charts/web",
                          manifests: [ClusterFixture.deployment(replicas: 2, probe: "true")], valuesJSON: "{}",
                          description: "install", mustExist: false)
        try f.apps.deploy(cluster: f.cluster, namespace: "test", app: "web", chart: "charts/web",
                          manifests: [ClusterFixture.deployment(replicas: 1)], valuesJSON: "{}", description: "install", mustExist: false)
        try f.apps.deploy(cluster: f.cluster, namespace: "test", app: "other", chart: "-",
                          manifests: [ClusterFixture.deployment(replicas: 1)], valuesJSON: "{}", description: "install", mustExist: false)

        let views = try f.apps.overview(app: "web")
        #expect(views.map(\.namespace) == ["prod", "test"])
        let prod = views[0], test = views[1]
        #expect(prod.revision == 1 && prod.revisionStatus == "deployed" && prod.revisionCount == 1 && prod.chart == "charts/web")
        #expect(prod.desired == 2 && prod.running == 2 && prod.ready == 2)
        // Spread: one replica on each node; the health check podman ran during the rollout passed.
        #expect(prod.podsPerNode.map(\.node) == ["n1", "n2"] && prod.podsPerNode.allSatisfy { $0.pods == 1 })
        #expect(prod.pods.map(\.health) == ["healthy", "healthy"])
        // No health check: running is all there is to say.
        #expect(test.pods.map(\.health) == ["running"] && test.ready == 1 && test.pods.allSatisfy { $0.workload == "web" })
        #expect(try f.apps.overview(app: "nope").isEmpty)

        // A stopped install: its pods are there, not running, not ready.
        _ = try f.apps.setRunning(cluster: f.cluster, namespace: "test", app: "web", running: false)
        let stopped = try #require(try f.apps.overview(app: "web").first { $0.namespace == "test" })
        #expect(stopped.stopped && stopped.running == 0 && stopped.ready == 0 && stopped.pods.count == 1)
        #expect(stopped.pods.allSatisfy { $0.health == "exited" || $0.health == "stopped" }, "\(stopped.pods)")
    }
}
