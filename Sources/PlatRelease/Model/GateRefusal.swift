/// A gate's "no", with everything a person needs to act on it: the rule, the artifact and its stage, the
/// environment, and what would satisfy the rule (`remedy`).
public struct GateRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Rule: Hashable, Sendable {
        /// The stage may not reach this class of environment at all (alpha in staging).
        case stageNotAllowed(allowed: Set<EnvironmentClass>)
        /// The stage may reach it, but its digest has no acceptance in an environment of the needed class.
        case acceptanceMissing(needed: EnvironmentClass)
        /// After the deploy, `dependent` at `dependentVersion` would run beside `dependency` at `found` (nil:
        /// not running there), which its range does not admit.
        case requirementUnsatisfied(dependent: String, dependentVersion: String, dependency: String, range: String, found: String?)

        /// A short stable name for records and JSON: `stage`, `acceptance`, `requires`.
        public var name: String {
            switch self {
            case .stageNotAllowed: return "stage"
            case .acceptanceMissing: return "acceptance"
            case .requirementUnsatisfied: return "requires"
            }
        }
    }

    public let rule: Rule
    public let app: String
    public let version: String
    public let stage: Stage
    /// `sha256:<hex>`, when the artifact is stored.
    public let digest: String?
    /// The target environment of a deploy; nil for a promotion.
    public let environment: Environment?
    /// What the gate was asked about: "deploy" or "promote to beta".
    public let action: String
    /// The sentence that says what rule refused what.
    public let message: String
    /// What would satisfy the rule.
    public let remedy: String

    public init(rule: Rule, app: String, version: String, stage: Stage, digest: String?, environment: Environment?,
                action: String, message: String, remedy: String) {
        self.rule = rule
        self.app = app
        self.version = version
        self.stage = stage
        self.digest = digest
        self.environment = environment
        self.action = action
        self.message = message
        self.remedy = remedy
    }

    /// "MESSAGE; REMEDY": one line for logs and plan errors.
    public var description: String { "\(message); \(remedy)" }

    /// A stage or acceptance refusal exits 4, an unsatisfied requirement 5 (docs/release.md).
    public var exitCode: Int32 {
        switch rule {
        case .stageNotAllowed, .acceptanceMissing: return ReleaseExitCode.gateRefused
        case .requirementUnsatisfied: return ReleaseExitCode.requirementUnsatisfied
        }
    }
}

/// A gate's answer.
public enum GateDecision: Hashable, Sendable {
    /// Allowed; `by` is the acceptance that satisfied the rule, when one was needed.
    case allowed(by: Acceptance?)
    case refused(GateRefusal)

    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }

    public var refusal: GateRefusal? {
        if case .refused(let r) = self { return r }
        return nil
    }

    /// Applies `--force`: an allowed decision passes (nil); a refused one throws `ReleaseError.gateRefused`
    /// unless a non-empty reason is given, in which case the refusal is returned for the caller to record
    /// beside the reason.
    public func enforce(force reason: String?) throws -> GateRefusal? {
        guard case .refused(let r) = self else { return nil }
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ReleaseError.gateRefused(r) }
        return r
    }
}
