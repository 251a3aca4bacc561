import Foundation
import PlatEngine
import PlatLang
@testable import PlatRelease
import Testing

/// Collects what a run prints.
final class CapturedOutput: RunOutput, @unchecked Sendable {
    var text = ""
    var events: [String] = []
    func program(_ text: String) { self.text += text }
    func event(_ line: String, kind: RunEventKind) { events.append(line) }
}

@Suite struct ReleaseEffectTests {
    func run(_ t: TestRelease, _ source: String) throws -> (RunOutcome, CapturedOutput, RunStore) {
        let store = try RunStore.open(path: t.folder + "/engine.db", modules: ModuleSet([ReleaseModule()]), durability: .normal)
        let file = try t.file("pipeline.plat", source)
        let out = CapturedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: [:]).id
        return (try executor.execute(id), out, store)
    }

    @Test func aPipelinePushesAcceptsAndPromotesTheSameBits() throws {
        let t = try TestRelease(); defer { t.remove() }
        let bits = try t.file("dist/web.tgz", "web bits")
        let (outcome, out, store) = try run(t, """
            plan main() {
                step "alpha" {
                    let a = release.push("web", "1.4.0-alpha.1", "\(bits)")
                    print(a.stage, a.size, a.digest == release.push("web", "1.4.0-alpha.1", "\(bits)").digest)
                }
                step "test" { print(release.accept("web", "1.4.0-alpha.1", env: "qa", class: "test").class) }
                step "beta" {
                    let b = release.promote("web", "1.4.0-alpha.1", to: "beta")
                    print(b)
                    release.accept("web", b, env: "stage-sh", class: "staging")
                    print(release.promote("web", b, to: "release"))
                }
            }
            """)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome) \(out.events)"); return }
        #expect(out.text == "alpha 8 true\ntest\n1.4.0-beta.1\n1.4.0\n")
        let rs = ReleaseStore(db: store.db, artifactRoot: t.folder + "/artifacts")
        let all = try rs.artifacts(app: "web")
        #expect(all.map(\.version.description) == ["1.4.0", "1.4.0-beta.1", "1.4.0-alpha.1"])
        #expect(Set(all.map(\.digest)).count == 1)
        #expect(all[0].pushedBy.hasPrefix("run "))
        #expect(try rs.acceptances(app: "web").count == 2)
    }

    @Test func aRetriedRunDoesNotPushAcceptOrPromoteTwice() throws {
        let t = try TestRelease(); defer { t.remove() }
        let bits = try t.file("web.tgz", "web bits")
        let marker = t.folder + "/go"
        let store = try RunStore.open(path: t.folder + "/engine.db", modules: ModuleSet([ReleaseModule()]), durability: .normal)
        let file = try t.file("once.plat", """
            plan main() {
                release.push("web", "2.0.0-alpha.1", "\(bits)")
                release.accept("web", "2.0.0-alpha.1", env: "qa", class: "test")
                let b = release.promote("web", "2.0.0-alpha.1", to: "beta", force: "first try")
                sh("test -f '\(marker)'")
                print(b)
            }
            """)
        let out = CapturedOutput()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: [:]).id
        guard case .failed = try executor.execute(id) else { Issue.record("expected the first attempt to fail"); return }
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        try executor.prepareRetry(id)
        guard case .succeeded = try executor.execute(id) else { Issue.record("retry failed: \(out.events)"); return }
        #expect(out.text == "2.0.0-beta.1\n")
        let rs = ReleaseStore(db: store.db, artifactRoot: t.folder + "/artifacts")
        #expect(try rs.acceptances(app: "web").count == 1)
        #expect(try rs.artifacts(app: "web").map(\.version.description) == ["2.0.0-beta.1", "2.0.0-alpha.1"])
        #expect(try rs.overrides(app: "web").isEmpty, "the acceptance in test satisfied the gate: nothing was forced")
    }

    @Test func aGateRefusalFailsTheRunNamingTheRule() throws {
        let t = try TestRelease(); defer { t.remove() }
        let bits = try t.file("web.tgz", "web bits")
        let (outcome, out, store) = try run(t, """
            plan main() {
                release.push("web", "1.4.0-alpha.1", "\(bits)")
                release.promote("web", "1.4.0-alpha.1", to: "beta")
            }
            """)
        guard case .failed(let message) = outcome else { Issue.record("run did not fail: \(outcome) \(out.events)"); return }
        #expect(message.contains("release.promote(): web 1.4.0-alpha.1 is alpha: it needs acceptance in a test environment before it may be promoted to beta, and none is recorded for its bits; deploy it to a test environment"))
        #expect(try ReleaseStore(db: store.db, artifactRoot: t.folder + "/artifacts").artifacts().count == 1)
    }
}
