import Foundation
import PlatLang

/// When a schedule fires: a cron expression in a time zone, or `@every DURATION` (fires at multiples of
/// the interval since 1970, e.g. `@every 30s`; an extension to cron for short intervals and tests).
public enum ScheduleTiming: Sendable {
    case cron(CronExpression, TimeZone)
    case every(Double)

    public init(cron text: String, tz: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("@every") {
            let spec = trimmed.dropFirst(6).trimmingCharacters(in: .whitespaces)
            guard let ms = ScheduleTiming.parseDuration(spec), ms >= 1000 else {
                throw ScheduleError("\(text): @every takes a duration of at least 1s, like @every 30s or @every 1h30m")
            }
            self = .every(Double(ms) / 1000)
            return
        }
        guard let zone = TimeZone(identifier: tz) else {
            let near = closestName(to: tz, in: TimeZone.knownTimeZoneIdentifiers)
                ?? TimeZone.knownTimeZoneIdentifiers.first { $0.lowercased() == tz.lowercased() }
            throw ScheduleError("unknown time zone '\(tz)'",
                                hint: near.map { "did you mean '\($0)'?" } ?? "use an IANA name such as UTC, Asia/Shanghai or America/New_York")
        }
        do {
            self = .cron(try CronExpression(trimmed), zone)
        } catch let e as CronError {
            throw ScheduleError(e.description)
        }
    }

    /// The first fire strictly after `t` (seconds since 1970).
    public func next(after t: Double) -> Double? {
        switch self {
        case .cron(let c, let zone):
            return c.next(after: Date(timeIntervalSince1970: t), in: zone)?.timeIntervalSince1970
        case .every(let s):
            return (floor(t / s) + 1) * s
        }
    }

    static func parseDuration(_ text: String) -> Int64? { PlanParameters.parseDuration(text) }
}

public struct ScheduleError: Error, CustomStringConvertible {
    public let message: String
    public let hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String { message }
}

/// What to do when a schedule fires while its previous run is still going.
public enum OverlapPolicy: String, CaseIterable, Sendable {
    /// Do not start another (the default): the fire is recorded as skipped.
    case skip
    /// Start it after the running one finishes.
    case queue
    /// Cancel the running one and start the new one.
    case replace
    /// Start it alongside.
    case allow
}
