import PlatLang

/// One deploy of an app version to an environment: a numbered revision of what runs there.
public struct DeployRevision: Sendable, Equatable {
    /// How a deploy ended. `abandoned`: its run died unfinished and a later deploy took the environment over
    /// (the run was cancelled then, so it can never resume into the middle of the newer deploy).
    public enum Result: String, Sendable { case succeeded, failed, cancelled, abandoned }

    public let app: String
    public let environment: Environment
    /// 1, 2, 3... per app and environment.
    public let revision: Int
    public let version: String
    public let digest: String
    public let stage: Stage
    public let deployedBy: String
    /// Seconds since 1970.
    public let startedAt: Double
    /// The durable run of the app's deploy plan.
    public let runID: String
    /// The version this deploy rolled back from, for `--rollback`.
    public let rollbackOf: String?
    /// The reason given with `--force`, when a gate was passed that way.
    public let forced: String?
    /// nil while the run has not finished.
    public let result: Result?
    public let finishedAt: Double?
    public let duration: Double?

    /// The revision as a .plat map (`release.current`, `release.deploy`, `--json`, the event).
    public var value: Value {
        .makeMap([
            ("app", .string(app)), ("env", .string(environment.name)), ("class", .string(environment.environmentClass.name)),
            ("revision", .int(revision)), ("version", .string(version)), ("digest", .string(digest)), ("stage", .string(stage.name)),
            ("who", .string(deployedBy)), ("at", .float(startedAt)), ("run", .string(runID)),
            ("rollback_of", rollbackOf.map { .string($0) } ?? .null), ("forced", forced.map { .string($0) } ?? .null),
            ("result", result.map { .string($0.rawValue) } ?? .string("running")),
            ("finished_at", finishedAt.map { .float($0) } ?? .null), ("duration", duration.map { .float($0) } ?? .null),
        ])
    }
}
