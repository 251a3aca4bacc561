import Testing
import PlatLang
@testable import PlatContainers

@Suite struct ReplicaSchedulerTests {
    func node(_ name: String, cpus: Double = 4, labels: [String: String] = [:], taints: [Taint] = [], state: NodeState = .ready) -> NodeLoad {
        NodeLoad(node: Node(cluster: "c", name: name, kind: "local", address: "/x", cpus: cpus, memoryBytes: 8 << 30,
                            labels: labels, taints: taints, state: state))
    }

    func workload(cpu: Double = 0.5, selector: [String: String] = [:], tolerations: [Toleration] = []) -> Workload {
        Workload(name: "web", replicas: 3,
                 containers: [ContainerTemplate(name: "main", image: "i", command: [], args: [], env: [], cpuRequest: cpu,
                                                memoryRequest: 64 << 20, cpuLimit: nil, memoryLimit: nil, probe: nil, ports: [])],
                 nodeSelector: selector, tolerations: tolerations, maxSurge: 1, maxUnavailable: 0)
    }

    @Test func spreadsReplicasAcrossNodes() {
        var loads = [node("n1"), node("n2"), node("n3")]
        let w = workload()
        let placed = (0..<6).map { _ in ReplicaScheduler.place(w, on: &loads) }
        #expect(placed == ["n1", "n2", "n3", "n1", "n2", "n3"].map { .placed($0) })
        #expect(loads.map(\.cpuUsed) == [1, 1, 1])
    }

    @Test func honoursSelectorsTaintsAndTolerations() throws {
        let dbTaint = try Taint.parse("dedicated=db:NoSchedule")
        var loads = [node("n1", taints: [dbTaint]), node("n2", labels: ["disk": "ssd"]), node("n3")]
        #expect(ReplicaScheduler.place(workload(selector: ["disk": "ssd"]), on: &loads) == .placed("n2"))
        let tolerant = workload(selector: [:], tolerations: [Toleration(key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule")])
        var fresh = [node("n1", taints: [dbTaint])]
        #expect(ReplicaScheduler.place(tolerant, on: &fresh) == .placed("n1"))
        var refused = [node("n1", taints: [dbTaint])]
        #expect(ReplicaScheduler.place(workload(), on: &refused) == .unschedulable("no node: 1 tainted dedicated=db"))
    }

    @Test func explainsAnUnschedulableReplica() throws {
        let db = try Taint.parse("dedicated=db")
        var loads = [node("a", taints: [db]), node("b", taints: [db]), node("c", cpus: 1), node("d", state: .cordoned)]
        #expect(ReplicaScheduler.place(workload(cpu: 2), on: &loads)
                == .unschedulable("no node: 2 tainted dedicated=db, 1 cordoned, 1 lacks 2 CPU"))
    }

    @Test func readsQuantitiesAndTaints() throws {
        #expect(try Quantity.cpu("500m") == 0.5)
        #expect(try Quantity.cpu("2") == 2)
        #expect(try Quantity.memory("64Mi") == 64 << 20)
        #expect(try Quantity.memory("1G") == 1_000_000_000)
        #expect(throws: ContainersError.self) { try Quantity.cpu("lots") }
        #expect(try Taint.parse("gpu:NoExecute") == Taint(key: "gpu", value: "", effect: "NoExecute"))
        #expect(throws: ContainersError.self) { try Taint.parse("a=b:Sometimes") }
    }

    @Test func readsDeploymentsFromManifests() throws {
        let manifests = try JSON.decode("""
            [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}},
             {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 4, "strategy": {"rollingUpdate": {"maxSurge": "50%", "maxUnavailable": 0}},
                       "template": {"spec": {"nodeSelector": {"disk": "ssd"},
                         "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                         "containers": [{"name": "main", "image": "localhost/base:1", "command": ["httpd"], "args": ["-f"],
                                         "env": [{"name": "A", "value": 1}],
                                         "resources": {"requests": {"cpu": "250m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
                                         "readinessProbe": {"httpGet": {"port": 8080, "path": "health"}, "periodSeconds": 2}}]}}}}]
            """)
        guard case .list(let items) = manifests else { Issue.record("not a list"); return }
        let ws = try WorkloadReader.read(items)
        #expect(ws.count == 1)
        let w = ws[0]
        #expect(w.replicas == 4 && w.maxSurge == 2 && w.maxUnavailable == 0)
        #expect(w.nodeSelector == ["disk": "ssd"])
        #expect(w.cpuRequest == 0.25 && w.memoryRequest == 32 << 20 && w.containers[0].memoryLimit == 64 << 20)
        #expect(w.containers[0].env.map { "\($0.0)=\($0.1)" } == ["A=1"])
        #expect(w.containers[0].probe?.command == ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"])
        var changed = w
        changed.replicas = 9
        #expect(changed.templateDigest == w.templateDigest)
        changed.containers[0].image = "localhost/base:2"
        #expect(changed.templateDigest != w.templateDigest)
    }

    @Test func refusesABadDeployment() throws {
        let bad = try JSON.decode("""
            [{"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": []}}}}]
            """)
        guard case .list(let items) = bad else { return }
        let e = #expect(throws: ContainersError.self) { try WorkloadReader.read(items) }
        #expect(e?.message == "Deployment web: spec.template.spec.containers is missing or empty")
    }
}

/// Planning a rollout from what runs, without podman.
@Suite struct RolloutPlanTests {
    @Test func aCutShortPodOfTheNewNameIsReplacedInPlaceNotRemovedAfter() throws {
        let node = Node(cluster: "c", name: "n1", kind: "local", address: "/x", cpus: 4, memoryBytes: 8 << 30)
        let w = Workload(name: "web", replicas: 1,
                         containers: [ContainerTemplate(name: "main", image: "i:2", command: [], args: [], env: [], cpuRequest: 0,
                                                        memoryRequest: 0, cpuLimit: nil, memoryLimit: nil, probe: nil, ports: [])],
                         nodeSelector: [:], tolerations: [], maxSurge: 1, maxUnavailable: 0)
        let target = RolloutTarget(cluster: "c", namespace: "prod", app: "shop", revision: 2, workloads: [w])
        func pod(_ name: String, template: String, status: String) -> ObservedPod {
            ObservedPod(node: "n1", name: name, labels: [PodLabels.namespace: "prod", PodLabels.app: "shop", PodLabels.workload: "web",
                                                         PodLabels.replica: "0", PodLabels.template: template], status: status)
        }
        let old = pod("shop-prod-web-0-old", template: "old", status: "Running")
        let leftover = pod(target.podName(w, replica: 0), template: w.templateDigest, status: "Created")
        let plan = try RolloutPlan.make(target, nodes: [node], observed: ClusterObservation(pods: [old, leftover], unreachable: [:]),
                                        imageCheck: { _, _ in true }, pullCheck: { _, _ in nil })
        let r = try #require(plan.workloads.first?.replacements.first)
        #expect(r.nameTaken)
        #expect(r.old == [old])
    }
}
