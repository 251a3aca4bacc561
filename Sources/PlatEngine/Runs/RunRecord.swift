import Foundation
import PlatStore

/// Where a run is in its life: pending → running → (sleeping | waiting) → running → succeeded | failed | cancelled.
public enum RunStatus: String, CaseIterable, Sendable {
    case pending, running, sleeping, waiting, succeeded, failed, cancelled

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
    /// Parked runs wait for time or a person; any scheduler (or `resume`) may continue them.
    public var isParked: Bool { self == .sleeping || self == .waiting }
}

/// One row of `engine_runs`.
public struct RunRecord: Sendable {
    public var id: String
    public var file: String
    public var plan: String?
    public var status: RunStatus
    /// The `--param` values as given, secrets left out.
    public var params: [String: String]
    /// Names of secret parameters the run was started with (their values are never stored).
    public var secretParams: [String]
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    public var error: String?
    public var startedBy: String
    public var leaseOwner: String?
    public var leaseExpires: Double?
    public var wakeAt: Double?
    public var cancelRequested: Bool
    public var attempt: Int
    public var schedule: String?
    public var fireTime: Double?
    /// `run --limit`: host names and glob patterns its fleet effects are narrowed to; nil when not narrowed.
    public var targetLimit: [String]?

    init(row: Row) {
        id = row.string("id") ?? ""
        file = row.string("file") ?? ""
        plan = row.string("plan")
        status = RunStatus(rawValue: row.string("status") ?? "") ?? .failed
        params = StringJSON.map(row.string("params") ?? "{}") ?? [:]
        secretParams = StringJSON.list(row.string("secret_params") ?? "[]") ?? []
        createdAt = row.double("created_at") ?? 0
        startedAt = row.double("started_at")
        finishedAt = row.double("finished_at")
        error = row.string("error")
        startedBy = row.string("started_by") ?? ""
        leaseOwner = row.string("lease_owner")
        leaseExpires = row.double("lease_expires")
        wakeAt = row.double("wake_at")
        cancelRequested = (row.int("cancel_requested") ?? 0) != 0
        attempt = Int(row.int("attempt") ?? 1)
        schedule = row.string("schedule")
        fireTime = row.double("fire_time")
        targetLimit = row.string("target_limit").flatMap(StringJSON.list)
    }

    /// Wall time from start to finish (or to now while running).
    public func duration(now: Double = Date().timeIntervalSince1970) -> Double? {
        guard let s = startedAt else { return nil }
        return (finishedAt ?? now) - s
    }
}

/// Where a step of a run stands (`engine_steps.status`).
public enum StepState: String, Sendable {
    case running, succeeded, failed, skipped
}

public struct StepRecord: Sendable {
    public var path: String
    public var status: StepState
    public var attempt: Int
    public var startedAt: Double?
    public var finishedAt: Double?
    public var error: String?
    /// Seconds the step's attempts ran (a finished step): its wall time without the time the run was stopped.
    public var activeSeconds: Double? = nil

    /// How long the step took: the time its attempts ran, or (an older record) finished minus started.
    public var duration: Double? {
        guard let s = startedAt, let f = finishedAt else { return nil }
        return activeSeconds ?? (f - s)
    }
}

public struct LogRecord: Sendable {
    public var id: Int64
    public var at: Double
    public var step: String
    /// The host that printed it, for the output of a fleet effect's hosts; nil for the step's own lines.
    public var host: String?
    /// `out` (the program's print), `event` (step and engine events), `err` (errors).
    public var kind: String
    public var text: String
}

/// Errors of the engine that the CLI shows as usage errors (exit 2) or failures.
public struct EngineError: Error, CustomStringConvertible {
    public enum Kind: Sendable { case usage, conflict, failed }
    public let kind: Kind
    public let message: String
    public let hint: String?
    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }
    public var description: String { message }
}
