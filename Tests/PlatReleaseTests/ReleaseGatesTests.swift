import PlatLang
import Testing
@testable import PlatRelease

@Suite struct ReleaseGatesTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let otherDigest = "sha256:" + String(repeating: "cd", count: 32)
    static let envs: [EnvironmentClass: Environment] = [
        .test: Environment(name: "test-1", class: .test),
        .staging: Environment(name: "stage-sh", class: .staging),
        .production: Environment(name: "prod", class: .production),
    ]

    static func accepted(in classes: [EnvironmentClass], digest: String = digest) -> [Acceptance] {
        classes.map { Acceptance(app: "web", version: "1.4.0-alpha.1", digest: digest, environment: envs[$0]!, who: "qa", at: 0) }
    }

    /// The white paper's rule, written out by hand (not read from the policy under test).
    static func expected(_ stage: Stage, _ target: EnvironmentClass, accepted: Set<EnvironmentClass>) -> String? {
        switch (stage, target) {
        case (.alpha, .test): return nil
        case (.alpha, _): return "stage"
        case (.beta, .production), (.rc, .production): return "stage"
        case (.beta, _): return accepted.contains(.test) ? nil : "acceptance"
        case (.rc, _), (.release, _): return accepted.contains(.staging) ? nil : "acceptance"
        }
    }

    static func version(_ stage: Stage) -> String {
        stage == .release ? "1.4.0" : "1.4.0-\(stage).1"
    }

    @Test func everyStageEnvironmentClassAndAcceptanceState() {
        let states: [[EnvironmentClass]] = [[], [.test], [.staging], [.production], [.test, .staging]]
        for stage in Stage.allCases {
            for target in EnvironmentClass.allCases {
                for state in states {
                    let d = ReleaseGates.check(app: "web", version: Self.version(stage), digest: Self.digest, stage: stage,
                                               environment: Self.envs[target]!, acceptances: Self.accepted(in: state))
                    let want = Self.expected(stage, target, accepted: Set(state))
                    #expect(d.refusal?.rule.name == want, "\(stage) → \(target) with acceptances \(state)")
                    if let r = d.refusal {
                        #expect(r.message.contains("web \(Self.version(stage)) is \(stage)"))
                        #expect(r.message.contains(Self.envs[target]!.name))
                        #expect(r.exitCode == 4)
                        #expect(r.environment == Self.envs[target])
                    } else if case .allowed(let by) = d, let needed = StagePolicy.standard.rule(stage).needsAcceptanceIn {
                        #expect(by?.environment.environmentClass == needed)
                    }
                }
            }
        }
    }

    @Test func acceptanceOfOtherBitsDoesNotCount() {
        let d = ReleaseGates.check(app: "web", version: "1.4.0-beta.1", digest: Self.digest, stage: .beta,
                                   environment: Self.envs[.staging]!,
                                   acceptances: Self.accepted(in: [.test], digest: Self.otherDigest))
        #expect(d.refusal?.message == "web 1.4.0-beta.1 is beta: it needs acceptance in a test environment before it may reach stage-sh (staging), and none is recorded for its bits")
        #expect(d.refusal?.remedy == "deploy it to a test environment, test it, then `platflow artifact accept web 1.4.0-beta.1 --env ENV`")
    }

    @Test func alphaToProductionSaysWhatWouldSatisfyIt() {
        let d = ReleaseGates.check(app: "web", version: "1.4.0-alpha.1", digest: Self.digest, stage: .alpha,
                                   environment: Self.envs[.staging]!, acceptances: [])
        #expect(d.refusal?.description == "web 1.4.0-alpha.1 is alpha: alpha may only reach test environments, and stage-sh is staging; promote it to beta after acceptance in test")
        let p = ReleaseGates.check(app: "web", version: "1.4.0-beta.2", digest: Self.digest, stage: .beta,
                                   environment: Self.envs[.production]!, acceptances: Self.accepted(in: [.test]))
        #expect(p.refusal?.description == "web 1.4.0-beta.2 is beta: beta may only reach test and staging environments, and prod is production; promote it to release after acceptance in staging")
    }

    @Test func acceptanceElsewhereIsNamed() {
        let d = ReleaseGates.check(app: "web", version: "1.4.0", digest: Self.digest, stage: .release,
                                   environment: Self.envs[.production]!, acceptances: Self.accepted(in: [.test]))
        #expect(d.refusal?.message == "web 1.4.0 is release: it needs acceptance in a staging environment before it may reach prod (production), and its bits are accepted only in test-1 (test)")
    }

    @Test func promotionAsksTheTargetStagesAcceptance() {
        for (to, needs) in [(Stage.beta, EnvironmentClass.test), (.rc, .staging), (.release, .staging)] {
            let refused = ReleaseGates.checkPromotion(app: "web", version: "1.4.0-alpha.3", digest: Self.digest, from: .alpha, to: to, acceptances: [])
            #expect(refused.refusal?.rule == .acceptanceMissing(needed: needs))
            #expect(refused.refusal?.message.contains("before it may be promoted to \(to)") == true)
            #expect(refused.refusal?.environment == nil)
            let ok = ReleaseGates.checkPromotion(app: "web", version: "1.4.0-alpha.3", digest: Self.digest, from: .alpha, to: to,
                                                 acceptances: Self.accepted(in: [needs]))
            #expect(ok.isAllowed)
        }
    }

    @Test func forceNeedsAReasonAndReturnsTheRefusalToRecord() throws {
        let d = ReleaseGates.check(app: "web", version: "1.4.0-alpha.1", digest: Self.digest, stage: .alpha,
                                   environment: Self.envs[.production]!, acceptances: [])
        #expect(throws: ReleaseError.self) { try d.enforce(force: nil) }
        #expect(throws: ReleaseError.self) { try d.enforce(force: "  ") }
        #expect(try d.enforce(force: "hotfix, INC-42")?.rule.name == "stage")
        #expect(try GateDecision.allowed(by: nil).enforce(force: nil) == nil)
    }

    @Test func policyOverridesFromAMapValue() throws {
        let value = Value.makeMap([
            ("rc", .makeMap([("envs", .list([.string("staging"), .string("production")])), ("needs", .string("staging"))])),
            ("alpha", .makeMap([("needs", .string("none"))])),
        ])
        let p = try StagePolicy(overriding: value)
        #expect(p.rule(.rc) == StageRule(environments: [.staging, .production], needsAcceptanceIn: .staging))
        #expect(p.rule(.alpha) == StagePolicy.standard.rule(.alpha))
        #expect(p.rule(.beta) == StagePolicy.standard.rule(.beta))
        let d = ReleaseGates.check(app: "web", version: "1.4.0-rc.1", digest: Self.digest, stage: .rc,
                                   environment: Self.envs[.production]!, acceptances: Self.accepted(in: [.staging]), policy: p)
        #expect(d.isAllowed)
        #expect(try StagePolicy(overriding: p.value) == p)
    }

    @Test func badPoliciesAreRefusedWithTheirFault() {
        let cases: [(Value, String)] = [
            (.string("strict"), "a stage policy is a map"),
            (.makeMap([("gamma", .makeMap([]))]), "unknown stage \"gamma\""),
            (.makeMap([("beta", .makeMap([("envs", .list([.string("prod")]))]))]), "unknown environment class in beta.envs 'prod'"),
            (.makeMap([("beta", .makeMap([("after", .string("test"))]))]), "has no key \"after\""),
            (.makeMap([("beta", .makeMap([("needs", .int(1))]))]), "beta.needs is an environment class"),
        ]
        for (v, text) in cases {
            do {
                _ = try StagePolicy(overriding: v)
                Issue.record("accepted \(v.repr)")
            } catch let e as ReleaseError {
                #expect(e.message.contains(text), "\(e.message)")
                #expect(e.exitCode == 2)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func stagesComeFromVersions() throws {
        #expect(try Stage.parse("1.4.0-alpha.3").stage == .alpha)
        #expect(try Stage.parse("1.4.0-alpha").stage == .alpha)
        #expect(try Stage.parse("1.4.0-beta.12+sha.5114f85").stage == .beta)
        #expect(try Stage.parse("1.4.0-rc.1").stage == .rc)
        #expect(try Stage.parse("1.4.0+build.7").stage == .release)
        for bad in ["1.4.0-SNAPSHOT", "1.4.0-beta.x", "1.4.0-0", "1.4.0-rc1", "1.4.0-release", "1.4.0-rc.1.2", "v1.4.0", "1.4", "1.04.0"] {
            #expect(throws: ReleaseError.self, "\(bad)") { try Stage.parse(bad) }
        }
        #expect(Stage.number(of: try SemanticVersion(parsing: "1.4.0-beta.7")) == 7)
    }

    @Test func requirementsNameBothAppsAndVersions() throws {
        let prod = Self.envs[.production]!
        let needs = ["web": ["auth-api": try VersionRange(parsing: "^2.1")]]
        let deploying = (app: "auth-api", version: try SemanticVersion(parsing: "3.0.0"), stage: Stage.release, digest: String?.none)
        let bad = ReleaseGates.checkRequirements(
            environment: prod, running: ["web": try SemanticVersion(parsing: "1.4.0"), "auth-api": try SemanticVersion(parsing: "3.0.0")],
            requirements: needs, deploying: deploying)
        #expect(bad.refusal?.message == "web 1.4.0 requires auth-api ^2.1, but auth-api 3.0.0 would run in prod")
        #expect(bad.refusal?.exitCode == 5)
        let missing = ReleaseGates.checkRequirements(
            environment: prod, running: ["web": try SemanticVersion(parsing: "1.4.0")], requirements: needs, deploying: deploying)
        #expect(missing.refusal?.message == "web 1.4.0 requires auth-api ^2.1, but no auth-api runs in prod")
        for ok in ["2.1.0", "2.9.3", "2.2.0-beta.1"] {
            let d = ReleaseGates.checkRequirements(
                environment: prod, running: ["web": try SemanticVersion(parsing: "1.4.0"), "auth-api": try SemanticVersion(parsing: ok)],
                requirements: needs, deploying: deploying)
            #expect(d.isAllowed, "\(ok)")
        }
        let early = ReleaseGates.checkRequirements(
            environment: prod, running: ["web": try SemanticVersion(parsing: "1.4.0"), "auth-api": try SemanticVersion(parsing: "2.1.0-beta.1")],
            requirements: needs, deploying: deploying)
        #expect(early.refusal != nil)
    }
}
