import PlatLang

/// The gates, as pure functions of values: no store, no clock. The CLI, the effects, the deploy command and
/// other modules (a gateway publishing to a stage) ask these with what they read from the store.
public enum ReleaseGates {
    /// May `app` `version` (its bits `digest`, at `stage`) be deployed to `environment` under `policy`,
    /// given the acceptances recorded for the app? Acceptances of other digests do not count: an acceptance
    /// is of bits, whatever version named them.
    public static func check(app: String, version: String, digest: String, stage: Stage, environment: Environment,
                             acceptances: [Acceptance], policy: StagePolicy = .standard) -> GateDecision {
        let rule = policy.rule(stage)
        let target = environment.environmentClass
        if !rule.environments.contains(target) {
            let allowed = rule.environments.sorted()
            let reach = allowed.isEmpty ? "may not be deployed anywhere under this policy"
                : "may only reach \(list(allowed.map(\.name))) environments"
            return .refused(GateRefusal(
                rule: .stageNotAllowed(allowed: rule.environments), app: app, version: version, stage: stage, digest: digest,
                environment: environment, action: "deploy",
                message: "\(app) \(version) is \(stage): \(stage) \(reach), and \(environment.name) is \(target)",
                remedy: remedyToReach(target, from: stage, policy: policy)))
        }
        return acceptanceGate(app: app, version: version, digest: digest, stage: stage, needed: rule.needsAcceptanceIn,
                              environment: environment, action: "deploy", acceptances: acceptances,
                              purpose: "before it may reach \(environment.name) (\(target))")
    }

    /// May the bits of `app` `version` (at `from`) be promoted to `to`? The target stage's acceptance rule
    /// applies to the bits now. Whether `to` is after `from` is the caller's input check, not a gate.
    public static func checkPromotion(app: String, version: String, digest: String, from: Stage, to: Stage,
                                      acceptances: [Acceptance], policy: StagePolicy = .standard) -> GateDecision {
        acceptanceGate(app: app, version: version, digest: digest, stage: from, needed: policy.rule(to).needsAcceptanceIn,
                       environment: nil, action: "promote to \(to)", acceptances: acceptances,
                       purpose: "before it may be promoted to \(to)")
    }

    /// After a deploy, `running` is what each app runs in `environment` (app → version) and `requirements`
    /// what each app needs (app → dependency → range). Refuses when a running app's requirement is not
    /// satisfied there, naming both apps and versions; apps are checked in name order, so the answer is stable.
    /// A pre-release satisfies a range when it is inside it by precedence (`2.2.0-beta.1` satisfies `^2.1`,
    /// `2.1.0-beta.1` does not): environments before production run pre-releases, and npm's rule that only
    /// same-version pre-releases match would refuse every beta there.
    public static func checkRequirements(environment: Environment, running: [String: SemanticVersion],
                                         requirements: [String: [String: VersionRange]],
                                         deploying: (app: String, version: SemanticVersion, stage: Stage, digest: String?)) -> GateDecision {
        for dependent in running.keys.sorted() {
            guard let needs = requirements[dependent], let dependentVersion = running[dependent] else { continue }
            for dependency in needs.keys.sorted() {
                let range = needs[dependency]!
                let found = running[dependency]
                if let found, range.admits(found) { continue }
                let foundText = found.map { "\(dependency) \($0) would run in \(environment.name)" }
                    ?? "no \(dependency) runs in \(environment.name)"
                let remedy = found == nil
                    ? "deploy a \(dependency) that satisfies \(range.source) to \(environment.name) first"
                    : "deploy a \(dependency) that satisfies \(range.source), or a \(dependent) whose requires admit \(dependency) \(found!)"
                return .refused(GateRefusal(
                    rule: .requirementUnsatisfied(dependent: dependent, dependentVersion: dependentVersion.description,
                                                  dependency: dependency, range: range.source, found: found?.description),
                    app: deploying.app, version: deploying.version.description, stage: deploying.stage, digest: deploying.digest,
                    environment: environment, action: "deploy",
                    message: "\(dependent) \(dependentVersion) requires \(dependency) \(range.source), but \(foundText)",
                    remedy: remedy))
            }
        }
        return .allowed(by: nil)
    }

    // MARK: Wording

    private static func acceptanceGate(app: String, version: String, digest: String, stage: Stage, needed: EnvironmentClass?,
                                       environment: Environment?, action: String, acceptances: [Acceptance],
                                       purpose: String) -> GateDecision {
        guard let needed else { return .allowed(by: nil) }
        if let a = acceptances.first(where: { $0.digest == digest && $0.environment.environmentClass == needed }) {
            return .allowed(by: a)
        }
        let accepted = acceptances.filter { $0.digest == digest }.map(\.environment.description)
        let known = accepted.isEmpty ? "none is recorded for its bits"
            : "its bits are accepted only in \(list(Array(Set(accepted)).sorted()))"
        return .refused(GateRefusal(
            rule: .acceptanceMissing(needed: needed), app: app, version: version, stage: stage, digest: digest,
            environment: environment, action: action,
            message: "\(app) \(version) is \(stage): it needs acceptance in a \(needed) environment \(purpose), and \(known)",
            remedy: "deploy it to a \(needed) environment, test it, then `platflow artifact accept \(app) \(version) --env ENV`"))
    }

    /// What would let a `stage` artifact reach `target`: the first later stage allowed there, and its acceptance.
    static func remedyToReach(_ target: EnvironmentClass, from stage: Stage, policy: StagePolicy) -> String {
        guard let next = Stage.allCases.first(where: { $0 > stage && policy.rule($0).environments.contains(target) }) else {
            return "no later stage may reach \(target) environments under this policy"
        }
        if let needs = policy.rule(next).needsAcceptanceIn {
            return "promote it to \(next) after acceptance in \(needs)"
        }
        return "promote it to \(next)"
    }

    static func list(_ words: [String]) -> String {
        switch words.count {
        case 0: return "no"
        case 1: return words[0]
        default: return words.dropLast().joined(separator: ", ") + " and " + words.last!
        }
    }
}
