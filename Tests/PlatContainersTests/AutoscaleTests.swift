import Foundation
import Testing
@testable import PlatContainers

@Suite struct AutoscalePolicyTests {
    let rule = AutoscaleRule(cluster: "c", namespace: "prod", app: "web", workload: "web", targetCPU: 0.5, minReplicas: 1,
                             maxReplicas: 4, cooldown: 60)

    @Test func scalesByTheRatioWithinBoundsAndCooldown() {
        #expect(AutoscalePolicy.decide(rule, cpuShare: 1.0, replicas: 2, now: 0).wanted == 4)
        #expect(AutoscalePolicy.decide(rule, cpuShare: 3.0, replicas: 2, now: 0).wanted == 4)  // capped at max
        #expect(AutoscalePolicy.decide(rule, cpuShare: 0.52, replicas: 2, now: 0).action == "hold")  // within 10%
        let down = AutoscalePolicy.decide(rule, cpuShare: 0.1, replicas: 3, now: 0)
        #expect(down.action == "scale-down" && down.wanted == 1)
        #expect(down.reason == "CPU 10% of request, target 50%, 3 replica(s): scale to 1")
        var cooling = rule
        cooling.lastChange = 30
        let held = AutoscalePolicy.decide(cooling, cpuShare: 1.0, replicas: 2, now: 50)
        #expect(held.action == "hold" && held.wanted == 2 && held.reason.hasSuffix("would scale to 4, cooling down (40s left)"))
    }

    @Test func readsPodmanCPUTime() {
        #expect(PodmanStats.seconds("27.056144ms") == 0.027056144)
        #expect(PodmanStats.seconds("1m2.5s") == 62.5)
        #expect(PodmanStats.seconds("soon") == nil)
    }
}

/// Autoscaling up and down under a real CPU load.
@Suite(.serialized) struct AutoscaleLoadTests {
    @Test func scalesUpUnderLoadAndDownWhenItEnds() throws {
        let f = try ClusterFixture("autoscale", nodes: ["n1", "n2"])
        defer { f.cleanUp() }
        try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "web", chart: "c",
                          manifests: [ClusterFixture.deployment(replicas: 1, cpu: "50m")], valuesJSON: "{}", description: "install", mustExist: false)
        try f.store.setAutoscale(AutoscaleRule(cluster: f.cluster, namespace: "prod", app: "web", workload: "web", targetCPU: 0.5,
                                               minReplicas: 1, maxReplicas: 3, cooldown: 0))
        let pod = try #require(try f.pods("web", "prod").first)
        let node = try f.store.requireNode(cluster: f.cluster, name: pod.node)
        let podman = f.apps.runtime(f.cluster).podman(for: node)
        // The load's pid is kept in a file to stop it by: a container's /proc can be empty where podman runs
        // nested (a chroot), so nothing that searches /proc (killall, pkill) can find it there.
        try podman.check(["exec", "-d", pod.name + "-main", "sh", "-c", "echo $$ > /tmp/load.pid; exec yes > /dev/null"])
        let up = try f.apps.autoscale()
        // `yes` takes what CPU it gets (other tests share the machine): far above the 50m it requested, so
        // share / target is at least 2 and the count at least doubles (to the maximum, 3, on a quiet machine).
        let decision = try #require(up.first)
        #expect(decision.action == "scale-up" && decision.cpuShare > 1 && decision.wanted >= 2, "\(up)")
        #expect(try f.pods("web", "prod").count == decision.wanted)

        try podman.check(["exec", pod.name + "-main", "sh", "-c", "kill $(cat /tmp/load.pid)"])
        let down = try f.apps.autoscale(now: Date().timeIntervalSince1970 + 1)
        #expect(down.first?.action == "scale-down", "\(down)")
        #expect(try f.pods("web", "prod").count == 1)
        let logged = try f.store.decisions(cluster: f.cluster, namespace: "prod", app: "web")
        #expect(logged.map(\.action) == ["scale-up", "scale-down"])
        #expect(logged.allSatisfy { $0.reason.contains("of request, target 50%") })
    }
}
