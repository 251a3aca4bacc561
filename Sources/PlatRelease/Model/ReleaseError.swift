/// Why a release operation did not happen. Each kind has its own exit code on the command line (see
/// `exitCode` and docs/release.md), and nothing is recorded when one is thrown.
public enum ReleaseError: Error, CustomStringConvertible, Sendable {
    /// Bad input: an invalid version, an unknown app, artifact, environment or stage, a missing file (exit 2).
    case invalidInput(String, hint: String?)
    /// A stage gate refused: stage, environment class or acceptance (exit 4).
    case gateRefused(GateRefusal)
    /// The same app and version is already stored with other bits: versions are immutable (exit 6).
    case versionConflict(app: String, version: String, stored: String, offered: String)
    /// The store's bits do not match their digest, or a blob is missing (exit 1: the work failed).
    case integrity(String)
    /// Reading or writing the store failed (exit 1).
    case storage(String)

    public var message: String {
        switch self {
        case .invalidInput(let m, _): return m
        case .gateRefused(let r): return r.message
        case .versionConflict(let app, let version, let stored, let offered):
            return "\(app) \(version) is already stored with other bits (\(ArtifactDigest.short(stored)), this is \(ArtifactDigest.short(offered))): a version names one set of bits forever"
        case .integrity(let m), .storage(let m): return m
        }
    }

    public var hint: String? {
        switch self {
        case .invalidInput(_, let h): return h
        case .gateRefused(let r): return r.remedy
        case .versionConflict: return "push the new bits under a new version (bump the pre-release number or the patch)"
        case .integrity: return "push the artifact again from its source, or restore the store from a backup"
        case .storage: return nil
        }
    }

    public var description: String { message }

    /// The documented exit code of this kind of refusal.
    public var exitCode: Int32 {
        switch self {
        case .invalidInput: return ReleaseExitCode.usage
        case .gateRefused(let r): return r.exitCode
        case .versionConflict: return ReleaseExitCode.versionConflict
        case .integrity, .storage: return ReleaseExitCode.failed
        }
    }
}

/// The exit codes of release commands: the CLI's own (0 ok, 1 failed, 2 usage, 3 waiting) and one per kind
/// of release refusal, so a pipeline script can tell "not allowed yet" from "broken".
public enum ReleaseExitCode {
    public static let ok: Int32 = 0
    public static let failed: Int32 = 1
    public static let usage: Int32 = 2
    /// A stage gate: the artifact's stage may not reach that environment class, or lacks an acceptance.
    public static let gateRefused: Int32 = 4
    /// A compatibility gate: after the deploy an app's `requires` would be unsatisfied.
    public static let requirementUnsatisfied: Int32 = 5
    /// The version is already stored with other bits.
    public static let versionConflict: Int32 = 6
}
