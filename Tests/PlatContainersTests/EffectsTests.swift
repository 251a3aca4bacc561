import Foundation
import Testing
import PlatEngine
import PlatJobs
import PlatLang
@testable import PlatContainers

final class CapturedRunOutput: RunOutput, @unchecked Sendable {
    var text = ""
    var events: [String] = []
    func program(_ text: String) { self.text += text }
    func event(_ event: RunEvent) { events.append(event.text) }
}

/// containers.* in a plan, `transport: "podman"` hosts for sh and copy, and the containers.app.changed events.
@Suite(.serialized) struct EffectsTests {
    @Test func aPlanInstallsScalesAndReachesIntoContainers() throws {
        let f = try ClusterFixture("effects", nodes: ["n1", "n2"])
        defer { f.cleanUp() }
        var transports = TransportRegistry.standard
        let env = try PodmanTestKit.environment()
        try transports.register(kind: "podman") { _ in PodmanTransport(environment: env) }
        let store = try RunStore.open(path: f.folder + "/platflow.db",
                                      modules: try ModuleSet([JobsModule(transports: transports), ContainersModule()]), durability: .normal)
        let deployment = try JSON.encode(ClusterFixture.deployment(replicas: 1, env: ["STAGE": "prod"]))
        try "shipped\n".write(toFile: f.folder + "/payload.txt", atomically: true, encoding: .utf8)
        let file = f.folder + "/plan.plat"
        try """
            plan main(src: string) {
                step "install" {
                    let s = containers.install("web", namespace: "prod", manifests: [json.decode(\(String(reflecting: deployment)))])
                    print(s.revision, s.status, s.running)
                }
                step "sh" {
                    let pod = containers.status("web", namespace: "prod").pods[0]
                    let r = sh([pod.host], "echo stage=$STAGE args=$1", args: ["one"])
                    print(r.ok, r.hosts[0].stdout)
                    let c = copy(from: src, to: [pod.host], dest: "/tmp/")
                    print(c.ok, sh([pod.host], "cat /tmp/payload.txt").hosts[0].stdout)
                }
                step "scale" { print(containers.scale("web", 3, namespace: "prod").running) }
            }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let out = CapturedRunOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: ["src": f.folder + "/payload.txt"]).id
        let outcome = try executor.execute(id)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome) \(out.events)"); return }
        #expect(out.text == "1 deployed 1\n1 stage=prod args=one\n\n1 shipped\n\n3\n")

        // The events a subscription would see, filtered.
        let events = AppChangedEvents()
        let all = try events.events(db: store.db, after: 0, limit: 10)
        #expect(all.map { e -> String in
            guard case .map(let m) = e.value, case .string(let a)? = m.get(.string("action")) else { return "?" }
            return a
        } == ["deployed", "scaled"])
        #expect(try events.matching(db: store.db, filter: "action == \"scaled\" && namespace == \"prod\"", events: all).count == 1)
        #expect(throws: RuntimeError.self) { try events.validate(filter: "colour == \"red\"", db: store.db) }
    }
}
