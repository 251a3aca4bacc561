import Foundation

/// A step's `max_fail`: how many failed hosts it tolerates, as a count (`"3"`) or a share of ALL targets
/// (`"10%"`). The step stops when the failures go strictly beyond the limit, so `"0"` stops at the first one
/// and `"100%"` never stops.
public enum FailureLimit: Sendable, Equatable {
    case count(Int)
    case percent(Double)

    /// Parses `"3"`, `"10%"` or `"2.5%"` (spaces around are ignored).
    public init(_ text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        func fail(_ reason: String) -> FailureLimitError { FailureLimitError(text: text, reason: reason) }
        if t.isEmpty { throw fail("it is empty; expected a count of hosts (3) or a percentage of all targets (10%)") }
        if t.hasPrefix("-") { throw fail("a failure limit cannot be negative") }
        if t.hasSuffix("%") {
            let body = t.dropLast()
            guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  body.filter({ $0 == "." }).count <= 1, body.first != ".", body.last != ".",
                  let p = Double(body) else {
                throw fail("expected a number before %, like 10%")
            }
            guard p <= 100 else { throw fail("a percentage is at most 100%") }
            self = .percent(p)
            return
        }
        guard t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), t.first != "." else {
            throw fail("expected a count of hosts (3) or a percentage of all targets (10%)")
        }
        if t.contains(".") { throw fail("a count is a whole number of hosts; use a percentage for a share (2.5%)") }
        guard let n = Int(t) else { throw fail("the count is too large") }
        self = .count(n)
    }

    /// True when the failed share of ALL targets is strictly greater than the limit.
    public func isExceeded(failed: Int, total: Int) -> Bool {
        switch self {
        case .count(let n):
            return failed > n
        case .percent(let p):
            guard total > 0 else { return failed > 0 }
            // Compare failed/total > p/100 without dividing, so 3 of 30 at 10% is exactly equal, not above.
            return Double(failed) * 100 > p * Double(total)
        }
    }

    /// The limit as written back (`"3"`, `"10%"`).
    public var text: String {
        switch self {
        case .count(let n): return "\(n)"
        case .percent(let p):
            return p == p.rounded() && abs(p) < 1e15 ? "\(Int(p))%" : "\(p)%"
        }
    }
}

/// A `max_fail` value that cannot be parsed.
public struct FailureLimitError: Error, CustomStringConvertible, Equatable {
    public let text: String
    public let reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    /// `max_fail "abc": expected a count of hosts (3) or a percentage of all targets (10%)`
    public var description: String { "max_fail \"\(text)\": \(reason)" }
}
