import Foundation
import PlatJobs
@testable import PlatRelease
import Testing

@Suite struct ReleaseStoreTests {
    @Test func pushStoresTheBitsUnderTheirDigestAndRecordsWhoAndWhen() throws {
        let t = try TestRelease(); defer { t.remove() }
        let path = try t.file("web.tar.gz", "release bits")
        let r = try t.store.push(app: "web", version: "1.4.0-alpha.1", path: path)
        #expect(!r.alreadyStored)
        let hex = SHA256.hex(Array("release bits".utf8))
        #expect(r.artifact.digest == "sha256:" + hex)
        #expect(r.artifact.size == 12 && r.artifact.stage == .alpha && r.artifact.kind == .file && r.artifact.name == "web.tar.gz")
        #expect(r.artifact.pushedBy == "tester" && r.artifact.pushedAt == t.now)
        #expect(FileManager.default.contents(atPath: t.folder + "/artifacts/blobs/sha256/" + hex) == Data("release bits".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.folder + "/artifacts/tmp").isEmpty)
        #expect(try t.store.artifact(app: "web", version: "1.4.0-alpha.1") == r.artifact)
    }

    @Test func sameBitsAgainIsANoOpOtherBitsAreRefused() throws {
        let t = try TestRelease(); defer { t.remove() }
        let a = try t.file("a", "one")
        let b = try t.file("b", "two")
        _ = try t.store.push(app: "web", version: "1.0.0-beta.1+build.1", path: a)
        #expect(try t.store.push(app: "web", version: "1.0.0-beta.1", path: a).alreadyStored)
        do {
            _ = try t.store.push(app: "web", version: "1.0.0-beta.1+build.2", path: b)
            Issue.record("other bits under one version were accepted")
        } catch let e as ReleaseError {
            #expect(e.exitCode == 6)
            #expect(e.message.hasPrefix("web 1.0.0-beta.1+build.1 is already stored with other bits"))
        }
        #expect(try t.count("release_artifacts") == 1)
    }

    @Test func badInputIsRefusedAndNothingIsRecorded() throws {
        let t = try TestRelease(); defer { t.remove() }
        let f = try t.file("f", "x")
        let cases: [(String, String, String, String)] = [
            ("web", "1.4", f, "invalid version '1.4'"),
            ("web", "1.4.0-SNAPSHOT", f, "names no stage"),
            ("web app", "1.4.0", f, "is not an app name"),
            ("web", "1.4.0", t.folder + "/missing", "no such file or directory"),
        ]
        for (app, version, path, text) in cases {
            do {
                _ = try t.store.push(app: app, version: version, path: path)
                Issue.record("accepted \(app) \(version) \(path)")
            } catch let e as ReleaseError {
                #expect(e.exitCode == 2)
                #expect(e.message.contains(text), "\(e.message)")
            }
        }
        #expect(try t.count("release_artifacts") == 0)
        #expect(throws: ReleaseError.self) { try t.store.artifact(app: "web", version: "1.0.0") }
        do {
            _ = try t.store.push(app: "web", version: "1.0.0", path: f)
            _ = try t.store.artifact(app: "wbe", version: "1.0.0")
        } catch let e as ReleaseError {
            #expect(e.message == "unknown app 'wbe'")
            #expect(e.hint == "did you mean 'web'?")
        }
    }

    @Test func promotionKeepsTheDigestNamesTheNextVersionAndKeepsTheLineage() throws {
        let t = try TestRelease(); defer { t.remove() }
        let f = try t.file("web.tgz", "bits")
        let alpha = try t.store.push(app: "web", version: "1.4.0-alpha.3", path: f).artifact
        // Not accepted yet: refused, nothing recorded.
        do {
            _ = try t.store.promote(app: "web", version: "1.4.0-alpha.3", to: .beta)
            Issue.record("promoted without acceptance")
        } catch let e as ReleaseError {
            #expect(e.exitCode == 4)
            #expect(e.message.contains("needs acceptance in a test environment before it may be promoted to beta"))
        }
        #expect(try t.count("release_artifacts") == 1)
        _ = try t.store.accept(app: "web", version: "1.4.0-alpha.3", environment: "qa", class: .test)
        let beta = try t.store.promote(app: "web", version: "1.4.0-alpha.3", to: .beta)
        #expect(beta.artifact.version.description == "1.4.0-beta.1")
        #expect(beta.artifact.digest == alpha.digest && beta.artifact.promotedFrom == "1.4.0-alpha.3")
        #expect(try t.store.promote(app: "web", version: "1.4.0-alpha.3", to: .beta).alreadyPromoted)
        // The staging acceptance of the beta counts for the release: the same bits.
        _ = try t.store.accept(app: "web", version: "1.4.0-beta.1", environment: "stage-sh", class: .staging)
        let release = try t.store.promote(app: "web", version: "1.4.0-beta.1", to: .release).artifact
        #expect(release.version.description == "1.4.0" && release.digest == alpha.digest && release.stage == .release)
        #expect(try t.store.lineage(app: "web", version: "1.4.0").map(\.version.description) == ["1.4.0-alpha.3", "1.4.0-beta.1", "1.4.0"])
        #expect(throws: ReleaseError.self) { try t.store.promote(app: "web", version: "1.4.0", to: .beta) }
        #expect(try t.store.artifacts(app: "web").map(\.version.description) == ["1.4.0", "1.4.0-beta.1", "1.4.0-alpha.3"])
    }

    @Test func forcedPromotionIsRecordedWithItsReason() throws {
        let t = try TestRelease(); defer { t.remove() }
        _ = try t.store.push(app: "web", version: "2.0.0-alpha.1", path: try t.file("f", "x"))
        let r = try t.store.promote(app: "web", version: "2.0.0-alpha.1", to: .rc, force: "demo build")
        #expect(r.artifact.version.description == "2.0.0-rc.1")
        #expect(r.forced?.rule == .acceptanceMissing(needed: .staging))
        let o = try t.store.overrides(app: "web")
        #expect(o.count == 1 && o.first?.reason == "demo build" && o.first?.who == "tester" && o.first?.rule == "acceptance")
    }

    @Test func acceptanceNeedsAKnownEnvironmentOrAClass() throws {
        let t = try TestRelease(); defer { t.remove() }
        _ = try t.store.push(app: "web", version: "1.0.0-alpha.1", path: try t.file("f", "x"))
        try t.store.declareEnvironments(app: "web", [Environment(name: "stage-sh", class: .staging)])
        #expect(throws: ReleaseError.self) { try t.store.accept(app: "web", version: "1.0.0-alpha.1", environment: "qa") }
        #expect(throws: ReleaseError.self) { try t.store.accept(app: "web", version: "1.0.0-alpha.1", environment: "stage-sh", class: .test) }
        #expect(try t.count("release_acceptances") == 0)
        let report = try t.file("report.xml", "<ok/>")
        let a = try t.store.accept(app: "web", version: "1.0.0-alpha.1", environment: "stage-sh", evidence: report)
        #expect(a.environment == Environment(name: "stage-sh", class: .staging))
        #expect(a.evidenceDigest == "sha256:" + SHA256.hex(Array("<ok/>".utf8)))
        #expect(try t.store.acceptances(app: "web", digest: a.digest) == [a])
    }

    @Test func aTamperedBlobIsCaughtByVerifyAndRefusedByPull() throws {
        let t = try TestRelease(); defer { t.remove() }
        let a = try t.store.push(app: "web", version: "1.0.0", path: try t.file("f", "good bits")).artifact
        #expect(try t.store.verify().allSatisfy { $0.problems.isEmpty })
        let blob = t.folder + "/artifacts/blobs/sha256/" + ArtifactDigest.hex(a.digest)
        chmod(blob, 0o644)
        try "evil bits".write(toFile: blob, atomically: false, encoding: .utf8)
        let problems = try t.store.verify(app: "web").first?.problems ?? []
        #expect(problems.count == 1 && problems[0].contains("the file was changed in the store"))
        let dest = t.folder + "/out"
        #expect(throws: ReleaseError.self) { try t.store.pull(app: "web", version: "1.0.0", to: dest) }
        #expect(!FileManager.default.fileExists(atPath: dest))
        // Pushing the good bits again mends the blob.
        _ = try t.store.push(app: "web", version: "1.0.0", path: t.folder + "/f")
        #expect(try t.store.verify().allSatisfy { $0.problems.isEmpty })
    }

    @Test func aDirectoryIsOneDigestWhateverItsListingOrderAndComesBackWhole() throws {
        let t = try TestRelease(); defer { t.remove() }
        try t.file("dist/bin/web", "#!/bin/sh\necho web\n")
        chmod(t.folder + "/dist/bin/web", 0o755)
        try t.file("dist/static/app.js", "js")
        try t.file("dist/README", "read me")
        try FileManager.default.createDirectory(atPath: t.folder + "/dist/empty", withIntermediateDirectories: true)
        symlink("bin/web", t.folder + "/dist/current")
        let a = try t.store.push(app: "web", version: "1.0.0", path: t.folder + "/dist").artifact
        #expect(a.kind == .dir && a.size == 19 + 2 + 7)
        let manifest = try t.store.blobs.manifest(hex: ArtifactDigest.hex(a.digest))
        #expect(manifest.map(\.path) == ["README", "bin", "bin/web", "current", "empty", "static", "static/app.js"])
        // A copy of the tree made in another order has the same digest.
        try t.file("copy/static/app.js", "js")
        try t.file("copy/README", "read me")
        try FileManager.default.createDirectory(atPath: t.folder + "/copy/empty", withIntermediateDirectories: true)
        try t.file("copy/bin/web", "#!/bin/sh\necho web\n")
        chmod(t.folder + "/copy/bin/web", 0o755)
        symlink("bin/web", t.folder + "/copy/current")
        #expect(try t.store.push(app: "web2", version: "1.0.0", path: t.folder + "/copy").artifact.digest == a.digest)
        let out = try t.store.pull(app: "web", version: "1.0.0", to: t.folder + "/pulled")
        #expect(FileManager.default.contents(atPath: out + "/bin/web") == Data("#!/bin/sh\necho web\n".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/current") == "bin/web")
        #expect(FileManager.default.isExecutableFile(atPath: out + "/bin/web"))
        // A damaged file inside is named by verify.
        guard case .file(_, _, _, let hex)? = manifest.first(where: { $0.path == "static/app.js" }) else { Issue.record("no app.js"); return }
        let blob = t.folder + "/artifacts/blobs/sha256/" + hex
        chmod(blob, 0o644)
        try "JS".write(toFile: blob, atomically: false, encoding: .utf8)
        let problems = try t.store.verify(app: "web", version: "1.0.0").first?.problems ?? []
        #expect(problems.count == 1 && problems[0].hasPrefix("static/app.js:"))
    }

    @Test func anAppsRecordedPolicyGovernsItsPromotions() throws {
        let t = try TestRelease(); defer { t.remove() }
        _ = try t.store.push(app: "web", version: "3.0.0-alpha.1", path: try t.file("f", "x"))
        let lenient = try StagePolicy(overriding: .makeMap([("beta", .makeMap([("needs", .string("none"))]))]))
        try t.store.setPolicy(app: "web", lenient)
        #expect(try t.store.policy(app: "web") == lenient)
        #expect(try t.store.policy(app: "api") == .standard)
        #expect(try t.store.promote(app: "web", version: "3.0.0-alpha.1", to: .beta).forced == nil)
        try t.store.setPolicy(app: "web", nil)
        #expect(try t.store.policy(app: "web") == .standard)
        #expect(throws: ReleaseError.self) { try t.store.promote(app: "web", version: "3.0.0-beta.1", to: .rc) }
    }

    @Test func aKilledPushsTemporaryFileIsRemovedOnceItIsADayOld() throws {
        let t = try TestRelease(); defer { t.remove() }
        let tmp = t.folder + "/artifacts/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try "half".write(toFile: tmp + "/push-old", atomically: false, encoding: .utf8)
        try "half".write(toFile: tmp + "/push-new", atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 86_400)], ofItemAtPath: tmp + "/push-old")
        _ = try t.store.push(app: "web", version: "1.0.0", path: try t.file("f", "x"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp) == ["push-new"])
    }

    @Test func defaultRootIsBesideTheDatabase() {
        if ProcessInfo.processInfo.environment["PLATFLOW_ARTIFACTS"] == nil {
            #expect(ReleaseStore.defaultRoot(databasePath: ".platflow/platflow.db") == ".platflow/artifacts")
            #expect(ReleaseStore.defaultRoot(databasePath: "x.db") == "./artifacts")
        }
    }
}
