import Foundation
import Testing
import PlatEngine
import PlatLang
import PlatStore
import PlatTestKit
@testable import PlatContainers

/// kill -9 of the real `platflow` process in the middle of a rolling upgrade, then the same upgrade again:
/// no replica is lost (every replica keeps a running pod throughout) and none is duplicated at the end.
@Suite(.serialized) struct CrashResumeTests {
    static var binary: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var candidates = [root.appendingPathComponent(".build/debug/platflow").path]
        if let arg0 = CommandLine.arguments.first {
            candidates.insert(URL(fileURLWithPath: arg0).deletingLastPathComponent().appendingPathComponent("platflow").path, at: 0)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func platflow(_ args: [String], db: String, env: [String: String]) throws -> Process {
        guard let binary = Self.binary else { throw PodmanError("the platflow binary is not built (swift build)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args + ["--db", db, "--quiet"]
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    @Test(arguments: [UInt64(7), 21])
    func aKilledUpgradeResumesWithoutLosingOrDuplicatingReplicas(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let f = try ClusterFixture("crash-\(seed)")
        defer { f.cleanUp() }
        let db = f.folder + "/platflow.db"
        let manifests: [Value] = [ClusterFixture.deployment(replicas: 6, probe: "sleep 0.2", surge: 1, unavailable: 0)]
        try f.apps.deploy(cluster: f.cluster, namespace: "prod", app: "web", chart: "c", manifests: manifests,
                          valuesJSON: "{}", description: "install", mustExist: false)
        var env = try PodmanTestKit.environment()
        env["NO_COLOR"] = "1"

        let upgrade = ["app", "upgrade", "web", "--namespace", "prod", "--image", "localhost/base:2"]
        let child = try platflow(upgrade, db: db, env: env)
        // Wait for the rollout to be under way (a new pod exists), then a seeded extra moment, then SIGKILL.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && child.isRunning {
            if try f.pods("web", "prod").contains(where: { $0.revision == 2 }) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: Double(random.next() % 1500) / 1000)
        #expect(child.isRunning, "the upgrade finished before it could be killed; the test proves nothing")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)

        // No replica lost: every replica still has a running pod.
        let cut = try f.pods("web", "prod")
        #expect(Set(cut.filter(\.isRunning).map(\.replica)) == Set(0..<6), "\(cut.map { "\($0.replica)@r\($0.revision):\($0.status)" })")
        let pending = try f.store.revisions(cluster: f.cluster, namespace: "prod", app: "web")
        #expect(pending.map(\.status) == ["deployed", "pending"])

        // The same upgrade again finishes the cut-short rollout under its own number.
        let again = try platflow(upgrade, db: db, env: env)
        again.waitUntilExit()
        #expect(again.terminationStatus == 0)
        let done = try f.pods("web", "prod")
        #expect(done.count == 6, "\(done.map(\.name))")
        #expect(done.map(\.replica).sorted() == Array(0..<6))
        #expect(done.allSatisfy { $0.revision == 2 && $0.isRunning })
        let revisions = try f.store.revisions(cluster: f.cluster, namespace: "prod", app: "web")
        #expect(revisions.map(\.status) == ["superseded", "deployed"])
        #expect(try f.db.integrityCheck() == "ok")
    }
}
