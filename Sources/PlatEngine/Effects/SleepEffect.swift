import Foundation
import PlatLang

/// `sleep(d)`: a durable timer. The wake-up time is journaled before waiting, so a run killed while sleeping
/// wakes at the original time, not d after it was resumed.
final class SleepEffect: DurableEffect {
    let spec = EffectSpec.core.first { $0.name == "sleep" }!
    let kind = EffectKind.external

    func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let d = call.args.named.first { $0.name == "duration" }?.value ?? .null
        return (["would sleep \(d.printed)"], .null)
    }

    /// Waits shorter than this happen in the worker even when parking is allowed.
    static let parkThreshold = 2.0

    /// The wake-up time, journaled when the sleep starts.
    func startedArguments(_ ctx: EffectContext) throws -> String {
        let ms = try ctx.args.require("duration", .duration, hint: "write sleep(5s) or sleep(500ms)")
        if ms < 0 { throw RuntimeError("sleep() needs a duration of 0s or more, got \(Value.duration(ms).printed)") }
        let wakeAt = RunStore.now() + Double(ms) / 1000
        return try ValueCodec.encode(Value.makeMap([("duration", .duration(ms)), ("wake_at", .float(wakeAt))]))
    }

    func perform(_ ctx: EffectContext) throws -> Value {
        // The journal's wake-up time, whether this attempt started the sleep or resumes it.
        guard let e = ctx.journal.entry(ctx.key), case .map(let m)? = try? ValueCodec.decode(e.args),
              case .float(let wakeAt)? = m.get(.string("wake_at")) else {
            throw RuntimeError("sleep() at \(ctx.key.text) has no wake-up time in the journal")
        }
        let left = wakeAt - RunStore.now()
        if left > SleepEffect.parkThreshold && ctx.waitPolicy == .park {
            try ctx.store.park(ctx.runID, as: .sleeping, wakeAt: wakeAt)
            ctx.event("sleeping until \(isoTime(wakeAt)); the run is parked")
            throw RunInterruption(reason: .parked(.sleeping))
        }
        if left > 1 {
            ctx.event("sleeping until \(isoTime(wakeAt))" + (left > SleepEffect.parkThreshold ? "; Ctrl-C parks the run" : ""))
        }
        do {
            try ctx.waitUntil(wakeAt)
        } catch let i as RunInterruption {
            // Told to stop while sleeping: park, so the scheduler (or resume) wakes it at the original time.
            if case .stopped = i.reason {
                try ctx.store.park(ctx.runID, as: .sleeping, wakeAt: wakeAt)
                throw RunInterruption(reason: .parked(.sleeping))
            }
            throw i
        }
        return .null
    }
}

func isoTime(_ t: Double) -> String {
    let f = ISO8601DateFormatter()
    f.timeZone = TimeZone.current
    return f.string(from: Date(timeIntervalSince1970: t))
}
