import Foundation
import PlatEngine
import PlatLang
@testable import PlatRelease
import Testing

/// `release.deploy` and `release.current` in a plan, and the `release.deployed` event.
@Suite struct DeployEffectTests {
    static let app = """
        app "web" {
            deploy: deploy_web,
            envs: {qa: "test", "stage-sh": "staging", prod: "production"},
        }

        plan deploy_web(version: string, artifact: map, env: string) {
            step "install" { print("install \\(artifact.app) \\(version) \\(artifact.stage) in \\(env)") }
        }

        """

    func run(_ t: TestRelease, _ source: String) throws -> (RunOutcome, CapturedOutput, RunStore, String) {
        let store = try RunStore.open(path: t.folder + "/engine.db", modules: ModuleSet([ReleaseModule()]), durability: .normal)
        let file = try t.file("pipeline.plat", DeployEffectTests.app + source)
        let out = CapturedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: "main", params: [:]).id
        return (try executor.execute(id), out, store, id)
    }

    @Test func aPipelineDeploysThroughTheGatesAsChildRuns() throws {
        let t = try TestRelease(); defer { t.remove() }
        let bits = try t.file("dist/web.tgz", "web bits")
        let (outcome, out, store, parent) = try run(t, """
            plan main() {
                step "alpha" { release.push("web", "1.4.0-alpha.1", "\(bits)") }
                step "qa" {
                    print(release.current("web", "qa"))
                    let r = release.deploy("web", "1.4.0-alpha.1", env: "qa")
                    print(r.revision, r.result, release.current("web", "qa").version)
                    release.accept("web", "1.4.0-alpha.1", env: "qa")
                }
                step "stage" {
                    let beta = release.promote("web", "1.4.0-alpha.1", to: "beta")
                    print(release.deploy("web", beta, env: "stage-sh").stage)
                }
            }
            """)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome) \(out.events)"); return }
        #expect(out.text == "nil\ninstall web 1.4.0-alpha.1 alpha in qa\n1 succeeded 1.4.0-alpha.1\ninstall web 1.4.0-beta.1 beta in stage-sh\nbeta\n")
        let rs = ReleaseStore(db: store.db, artifactRoot: t.folder + "/artifacts")
        let qa = try rs.deployHistory(app: "web", environment: "qa")
        #expect(qa.count == 1)
        let child = try #require(qa.first?.runID)
        #expect(child != parent)
        #expect(try store.run(child)?.plan == "deploy_web")
        #expect(try store.run(child)?.status == .succeeded)
        #expect(try rs.currentDeploy(app: "web", environment: "stage-sh")?.version == "1.4.0-beta.1")

        // release.deployed: both deploys, in the order they finished, filtered by environment.
        let source = DeployedEvents()
        let events = try source.events(db: store.db, after: 0, limit: 10)
        #expect(events.map(\.cursor) == [1, 2])
        let envs = events.map { e -> String in
            if case .map(let m) = e.value, case .string(let s)? = m.get(.string("env")) { return s }
            return ""
        }
        #expect(envs == ["qa", "stage-sh"])
        #expect(try source.matching(db: store.db, filter: "env == \"stage-sh\"", events: events) == [2])
        #expect(try source.matching(db: store.db, filter: "app == 'web' and env != \"qa\"", events: events) == [2])
        #expect(try source.latestCursor(db: store.db) == 2)
        #expect(throws: RuntimeError.self) { try source.validate(filter: "environment == \"prod\"", db: store.db) }
    }

    @Test func aGateRefusalInAPlanIsARuntimeErrorNamingTheRule() throws {
        let t = try TestRelease(); defer { t.remove() }
        let bits = try t.file("web.tgz", "web bits")
        let (outcome, out, store, _) = try run(t, """
            plan main() {
                release.push("web", "1.4.0-alpha.1", "\(bits)")
                release.deploy("web", "1.4.0-alpha.1", env: "prod")
            }
            """)
        guard case .failed(let message) = outcome else { Issue.record("run did not fail: \(outcome) \(out.events)"); return }
        #expect(message.contains("release.deploy(): web 1.4.0-alpha.1 is alpha: alpha may only reach test environments, and prod is production; promote it to release after acceptance in staging"))
        let rs = ReleaseStore(db: store.db, artifactRoot: t.folder + "/artifacts")
        #expect(try rs.deployHistory(app: "web").isEmpty)
        #expect(try store.listRuns().count == 1)
    }

    @Test func aFailedDeployRunFailsThePipelineAndIsRecordedOnce() throws {
        let t = try TestRelease(); defer { t.remove() }
        let bits = try t.file("web.tgz", "web bits")
        let store = try RunStore.open(path: t.folder + "/engine.db", modules: ModuleSet([ReleaseModule()]), durability: .normal)
        let file = try t.file("pipeline.plat", """
            app "web" { deploy: deploy_web, envs: {qa: "test"} }
            plan deploy_web(version: string) { fail("disk full on \\(version)") }
            plan main() {
                release.push("web", "1.4.0-alpha.1", "\(bits)")
                release.deploy("web", "1.4.0-alpha.1", env: "qa")
            }
            """)
        let executor = RunExecutor(store: store, output: CapturedOutput())
        let id = try executor.create(file: file, plan: "main", params: [:]).id
        guard case .failed(let message) = try executor.execute(id) else { Issue.record("the pipeline did not fail"); return }
        #expect(message.contains("release.deploy(): deploying web 1.4.0-alpha.1 to qa failed (run "))
        #expect(message.contains("disk full on 1.4.0-alpha.1"))
        let rs = ReleaseStore(db: store.db, artifactRoot: t.folder + "/artifacts")
        let h = try rs.deployHistory(app: "web")
        #expect(h.map(\.result) == [.failed])
        #expect(try DeployedEvents().events(db: store.db, after: 0, limit: 10).isEmpty)
    }

    @Test func aRetriedPipelineDeploysAgainAfterAFailedDeploy() throws {
        let t = try TestRelease(); defer { t.remove() }
        let bits = try t.file("web.tgz", "web bits")
        let ready = t.folder + "/ready"
        let store = try RunStore.open(path: t.folder + "/engine.db", modules: ModuleSet([ReleaseModule()]), durability: .normal)
        let file = try t.file("pipeline.plat", """
            app "web" { deploy: deploy_web, envs: {qa: "test"} }
            plan deploy_web(version: string) { sh("test -f '\(ready)'") }
            plan main() {
                release.push("web", "1.4.0-alpha.1", "\(bits)")
                print(release.deploy("web", "1.4.0-alpha.1", env: "qa").revision)
            }
            """)
        let out = CapturedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: "main", params: [:]).id
        guard case .failed = try executor.execute(id) else { Issue.record("the first deploy did not fail"); return }
        _ = FileManager.default.createFile(atPath: ready, contents: Data())
        try executor.prepareRetry(id)
        guard case .succeeded = try executor.execute(id) else { Issue.record("the retry failed: \(out.events)"); return }
        #expect(out.text == "2\n")
        let rs = ReleaseStore(db: store.db, artifactRoot: t.folder + "/artifacts")
        #expect(try rs.deployHistory(app: "web").map(\.result) == [.succeeded, .failed])
    }
}
