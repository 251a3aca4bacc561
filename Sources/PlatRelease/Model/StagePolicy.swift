import PlatLang

/// What one stage may do: the environment classes it may be deployed to, and the class of environment in
/// which its bits must have been accepted first (nil: none needed). Promotion *into* the stage asks the same
/// acceptance, so "promote to beta after acceptance in test" and "beta needs acceptance in test" are one rule.
public struct StageRule: Hashable, Sendable {
    public var environments: Set<EnvironmentClass>
    public var needsAcceptanceIn: EnvironmentClass?

    public init(environments: Set<EnvironmentClass>, needsAcceptanceIn: EnvironmentClass? = nil) {
        self.environments = environments
        self.needsAcceptanceIn = needsAcceptanceIn
    }
}

/// The stage policy of an app, as data: a rule per stage. `StagePolicy.standard` is the white paper's rule;
/// an app overrides stages in its declaration (`app "web" { policy: {rc: {envs: ["staging"], needs: "staging"}} }`),
/// read by `StagePolicy(overriding:)`.
///
/// The standard policy:
///
/// | stage   | may reach                   | needs acceptance of its digest in |
/// |---------|-----------------------------|-----------------------------------|
/// | alpha   | test                        | -                                 |
/// | beta    | test, staging               | a test environment                |
/// | rc      | test, staging               | a staging environment             |
/// | release | test, staging, production   | a staging environment             |
///
/// rc is the candidate a staging environment has accepted (as a beta): it soaks in staging and reaches
/// production only once promoted to a release. A release may go back to test or staging (to reproduce what
/// production runs); production is reachable by releases alone.
public struct StagePolicy: Hashable, Sendable {
    public var rules: [Stage: StageRule]

    public init(rules: [Stage: StageRule]) {
        var all = StagePolicy.standard.rules
        for (s, r) in rules { all[s] = r }
        self.rules = all
    }

    private init(exactly rules: [Stage: StageRule]) { self.rules = rules }

    public static let standard = StagePolicy(exactly: [
        .alpha: StageRule(environments: [.test]),
        .beta: StageRule(environments: [.test, .staging], needsAcceptanceIn: .test),
        .rc: StageRule(environments: [.test, .staging], needsAcceptanceIn: .staging),
        .release: StageRule(environments: [.test, .staging, .production], needsAcceptanceIn: .staging),
    ])

    public func rule(_ stage: Stage) -> StageRule { rules[stage] ?? StagePolicy.standard.rules[stage]! }

    /// The standard policy with the stages `value` names replaced, field by field: a map from stage (`alpha`,
    /// `beta`, `rc`, `release`) to a map with `envs` (a list of classes) and/or `needs` (a class, or nil /
    /// "none" for no acceptance). Unknown stages, keys or classes are `ReleaseError.invalidInput`.
    public init(overriding value: Value) throws {
        var rules = StagePolicy.standard.rules
        guard case .map(let m) = value else {
            throw ReleaseError.invalidInput("a stage policy is a map from stage to rule, got \(value.typeName)",
                                            hint: "policy: {beta: {envs: [\"test\", \"staging\"], needs: \"test\"}}")
        }
        for (k, v) in m.pairs {
            guard case .string(let stageName) = k, let stage = Stage(name: stageName) else {
                throw ReleaseError.invalidInput("the stage policy names an unknown stage \(k.repr)", hint: "stages: alpha, beta, rc, release")
            }
            guard case .map(let fields) = v else {
                throw ReleaseError.invalidInput("the policy of \(stageName) is a map with envs and needs, got \(v.typeName)",
                                                hint: "\(stageName): {envs: [\"test\"], needs: \"test\"}")
            }
            var rule = rules[stage]!
            for (fk, fv) in fields.pairs {
                switch fk {
                case .string("envs"):
                    guard case .list(let xs) = fv else {
                        throw ReleaseError.invalidInput("\(stageName).envs is a list of environment classes, got \(fv.typeName)",
                                                        hint: "envs: [\"test\", \"staging\"]")
                    }
                    rule.environments = Set(try xs.map { x -> EnvironmentClass in
                        guard case .string(let s) = x else {
                            throw ReleaseError.invalidInput("\(stageName).envs holds class names, got \(x.typeName)", hint: "one of: test, staging, production")
                        }
                        return try EnvironmentClass.parse(s, what: "environment class in \(stageName).envs")
                    })
                case .string("needs"):
                    switch fv {
                    case .null, .string("none"): rule.needsAcceptanceIn = nil
                    case .string(let s): rule.needsAcceptanceIn = try EnvironmentClass.parse(s, what: "environment class in \(stageName).needs")
                    default:
                        throw ReleaseError.invalidInput("\(stageName).needs is an environment class or \"none\", got \(fv.typeName)", hint: nil)
                    }
                default:
                    throw ReleaseError.invalidInput("the policy of \(stageName) has no key \(fk.repr)", hint: "a stage's rule has envs and needs")
                }
            }
            rules[stage] = rule
        }
        self.rules = rules
    }

    /// The policy as a .plat map (the form `init(overriding:)` reads), every stage spelled out.
    public var value: Value {
        .makeMap(Stage.allCases.map { s in
            let r = rule(s)
            return (s.name, .makeMap([
                ("envs", .list(r.environments.sorted().map { .string($0.name) })),
                ("needs", r.needsAcceptanceIn.map { .string($0.name) } ?? .null),
            ]))
        })
    }
}
