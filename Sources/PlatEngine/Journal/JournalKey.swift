import PlatLang

/// Where the journal files one effect: the step path it ran in, its sequence number within that step, and — for
/// a fleet effect's per-host bookkeeping — the host. The host is a field of its own, never a character inside
/// the path: a step may be called `deploy@prod`.
public struct JournalKey: Hashable, Sendable, CustomStringConvertible {
    /// `plan/step/substep` (a repeated step is `name#2`...); empty for effects outside any step.
    public let step: String
    /// 1, 2, 3... within the step.
    public let counter: Int
    /// Set for a fleet effect's entry of one host; nil for the effect itself.
    public let host: String?

    public init(step: String, counter: Int, host: String? = nil) {
        self.step = step
        self.counter = counter
        self.host = host
    }

    /// The key of an effect call.
    public init(_ call: EffectCall) {
        self.init(step: call.stepPath, counter: call.sequence)
    }

    /// Reads the text form of an effect's key (`path#N`). The counter follows the last `#`: step names cannot
    /// hold `#`, and a repeated step's own `#2` always comes before it.
    public init?(text: String) {
        // On the UTF-8 bytes: a resumed run reads every key of its journal through here.
        let bytes = text.utf8
        guard let hash = bytes.lastIndex(of: UInt8(ascii: "#")) else { return nil }
        var n = 0
        var digits = 0
        for b in bytes[bytes.index(after: hash)...] {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"), digits < 18 else { return nil }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
            digits += 1
        }
        guard n >= 1 else { return nil }
        self.init(step: String(text[..<hash]), counter: n)
    }

    /// The same effect's entry for one host.
    public func on(host: String) -> JournalKey { JournalKey(step: step, counter: counter, host: host) }

    /// The effect this entry belongs to (itself when it is not a host's entry).
    public var effect: JournalKey { host == nil ? self : JournalKey(step: step, counter: counter) }

    /// `path#N`: the form people see (status, logs, approvals) and the one `PLATFLOW_IDEMPOTENCY_KEY` is
    /// made of. It names the effect; a host's entry shows its host after it only for reading.
    public var text: String { "\(step)#\(counter)" }

    public var description: String { host.map { "\(text) on \($0)" } ?? text }
}

/// Where one journal entry stands.
public enum JournalStatus: String, Sendable {
    /// Begun and not known to have ended: in flight when a process stopped.
    case started
    /// Ended; its result is replayed.
    case finished
    /// Ended, and the plan was told it failed (`retry` forgets these so they run again).
    case failed

    /// A finished or failed entry answers a replay; a started one must be performed again.
    public var isDone: Bool { self != .started }
}
