import Foundation

/// A rolling-batch expression (`"1 30% 100%"`, `"5 *2"`, `"1,10%,100%"`) and the batches it makes.
///
/// Grammar (parts separated by spaces or commas; runs of spaces are one separator):
///
///     expression = part { separator part }
///     part       = N        -- that many hosts (N ≥ 1)
///                | N "%"    -- ceil(N% of ALL targets), never 0 (1 ≤ N ≤ 100)
///                | "+" N    -- the previous batch size plus N (N ≥ 1; not first)
///                | "*" N    -- the previous batch size times N (N ≥ 1; not first)
///
/// The last part repeats until every host is in a batch; the final batch is whatever remains. Hosts keep the
/// order given. A plan is parsed once; `batchSizes(total:)` is cheap (at most `maxBatches + 1` steps).
public struct RollingPlan: Sendable, CustomStringConvertible {
    /// One part of the expression.
    enum Part: Sendable, Equatable {
        case count(Int)
        case percent(Int)
        case plus(Int)
        case times(Int)

        var text: String {
            switch self {
            case .count(let n): return "\(n)"
            case .percent(let n): return "\(n)%"
            case .plus(let n): return "+\(n)"
            case .times(let n): return "*\(n)"
            }
        }
    }

    /// The expression as written.
    public let expression: String
    let parts: [Part]

    /// More batches than this is an error: a plan that long is almost always a typo (`1` instead of `1%`).
    public static let maxBatches = 500

    /// Parses an expression; errors name the bad part and its 1-based column.
    public init(_ expression: String) throws {
        self.expression = expression
        self.parts = try RollingPlan.parse(expression)
    }

    /// The parts, normalised and separated by single spaces (`"1 10% 100%"`).
    public var description: String { parts.map(\.text).joined(separator: " ") }

    /// Batch sizes for `total` targets (hosts in the order given); the last part repeats until all are done.
    /// Throws when the plan would need more than `maxBatches` batches.
    public func batchSizes(total: Int) throws -> [Int] {
        guard total > 0 else { return [] }
        var sizes: [Int] = []
        var remaining = total
        var previous = 0
        var index = 0
        while remaining > 0 {
            if sizes.count == RollingPlan.maxBatches {
                throw RollingError(expression: expression, position: nil,
                                   reason: "\(total) hosts would need more than \(RollingPlan.maxBatches) batches",
                                   hint: "use bigger batches, for example a percentage (\"10%\") or a growing plan (\"1 *2\")")
            }
            // Indexes past the end reuse the last part: that is the "last part repeats" rule.
            let part = parts[min(index, parts.count - 1)]
            index += 1
            let planned: Int
            switch part {
            case .count(let n):
                planned = n
            case .percent(let p):
                planned = RollingPlan.percentOf(total, p)
            case .plus(let n):
                let (sum, overflow) = previous.addingReportingOverflow(n)
                planned = overflow ? Int.max : sum
            case .times(let n):
                let (product, overflow) = previous.multipliedReportingOverflow(by: n)
                planned = overflow ? Int.max : product
            }
            // `previous` keeps the planned size, so a growing plan keeps growing past a short final batch.
            previous = planned
            let size = min(max(planned, 1), remaining)
            sizes.append(size)
            remaining -= size
        }
        return sizes
    }

    /// The items split into batches, in order.
    public func batches<T>(_ items: [T]) throws -> [[T]] {
        var out: [[T]] = []
        var start = 0
        for size in try batchSizes(total: items.count) {
            out.append(Array(items[start..<(start + size)]))
            start += size
        }
        return out
    }

    /// ceil(p% of total), at least 1, without overflowing for any `total`.
    static func percentOf(_ total: Int, _ p: Int) -> Int {
        let (product, overflow) = total.multipliedReportingOverflow(by: p)
        if overflow {
            // Only reachable with absurd totals; division first loses at most one host of rounding.
            return max(1, total / 100 * p + (total % 100 == 0 ? 0 : p))
        }
        return max(1, product / 100 + (product % 100 == 0 ? 0 : 1))
    }

    // MARK: - Parsing

    /// Splits on spaces, tabs and commas. A comma next to spaces is still one separator; two commas with
    /// nothing between them (or a comma at either end) make an empty part, which is an error.
    static func parse(_ expression: String) throws -> [Part] {
        let chars = Array(expression)
        var parts: [Part] = []
        var i = 0
        // True after a comma until the next part starts: a second comma then marks an empty part.
        var afterComma = false
        var commaColumn = 0
        func fail(_ column: Int?, _ reason: String, hint: String? = nil) -> RollingError {
            RollingError(expression: expression, position: column, reason: reason, hint: hint)
        }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
                continue
            }
            if c == "," {
                if afterComma || parts.isEmpty {
                    throw fail(i + 1, "an empty part (a comma with no batch size before it)",
                               hint: "separate parts with one comma or spaces: \"1,10%,100%\"")
                }
                afterComma = true
                commaColumn = i + 1
                i += 1
                continue
            }
            let start = i
            while i < chars.count, !" \t\n\r,".contains(chars[i]) { i += 1 }
            let word = String(chars[start..<i])
            parts.append(try parsePart(word, column: start + 1, isFirst: parts.isEmpty, expression: expression))
            afterComma = false
        }
        if afterComma {
            throw fail(commaColumn, "an empty part (a comma with nothing after it)",
                       hint: "drop the trailing comma: \"1,10%,100%\"")
        }
        if parts.isEmpty {
            throw fail(nil, "the expression is empty",
                       hint: "write batch sizes, for example \"1 10% 100%\", \"20\" or \"5 *2\"")
        }
        return parts
    }

    static let grammarHint = "a part is N (hosts), N% (of all targets), +N (previous plus N) or *N (previous times N)"

    /// part = N | N "%" | "+" N | "*" N
    static func parsePart(_ word: String, column: Int, isFirst: Bool, expression: String) throws -> Part {
        func fail(_ reason: String, hint: String? = nil) -> RollingError {
            RollingError(expression: expression, position: column, reason: reason, hint: hint ?? grammarHint)
        }
        var body = Substring(word)
        var kind = "count"
        if body.hasPrefix("+") {
            kind = "plus"
            body = body.dropFirst()
        } else if body.hasPrefix("*") {
            kind = "times"
            body = body.dropFirst()
        } else if body.hasPrefix("-") {
            throw fail("a batch size cannot be negative")
        }
        if body.hasSuffix("%") {
            if kind != "count" { throw fail("a percentage cannot be combined with + or *") }
            kind = "percent"
            body = body.dropLast()
        }
        if body.isEmpty {
            switch kind {
            case "plus": throw fail("+ needs a number after it", hint: "for example \"5 +10\"")
            case "times": throw fail("* needs a number after it", hint: "for example \"5 *2\"")
            default: throw fail("% needs a number before it", hint: "for example \"10%\"")
            }
        }
        if body.contains(".") && body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            throw fail(kind == "percent" ? "a percentage is a whole number" : "a batch size is a whole number of hosts")
        }
        guard body.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            if let first = body.first, first == "x" || first == "×",
               body.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }), !body.dropFirst().isEmpty {
                throw fail("a multiplier is written *N", hint: "for example \"5 *2\"")
            }
            throw fail(kind == "percent" ? "expected a whole number before %" : "expected a number of hosts")
        }
        guard let n = Int(body) else {
            // Only digits, so the number is too big for Int; any size that large means "all remaining hosts".
            if kind == "count" || kind == "plus" || kind == "times" {
                throw fail("the number is too large", hint: "use 100% for all remaining hosts")
            }
            throw fail("a percentage is at most 100%")
        }
        switch kind {
        case "count":
            guard n >= 1 else { throw fail("a batch must have at least 1 host", hint: "use 1, or a percentage like 10%") }
            return .count(n)
        case "percent":
            guard n >= 1 else { throw fail("a percentage must be at least 1%") }
            guard n <= 100 else { throw fail("a percentage is at most 100%") }
            return .percent(n)
        case "plus":
            guard !isFirst else {
                throw fail("+N adds to the previous batch, so it cannot be the first part", hint: "start with a size: \"5 +10\"")
            }
            guard n >= 1 else { throw fail("an increment must be at least 1") }
            return .plus(n)
        default:
            guard !isFirst else {
                throw fail("*N multiplies the previous batch, so it cannot be the first part", hint: "start with a size: \"5 *2\"")
            }
            guard n >= 1 else { throw fail("a multiplier must be at least 1") }
            return .times(n)
        }
    }
}

/// A rolling expression that cannot be parsed, or a plan that needs too many batches.
public struct RollingError: Error, CustomStringConvertible, Equatable {
    public let expression: String
    /// 1-based column of the bad part, or nil when the error is about the whole expression.
    public let position: Int?
    public let reason: String
    /// A suggestion for fixing it (not part of `description`, so callers can print it as their hint line).
    public let hint: String?

    public init(expression: String, position: Int?, reason: String, hint: String? = nil) {
        self.expression = expression
        self.position = position
        self.reason = reason
        self.hint = hint
    }

    /// The bad part's text (up to the next separator), or "" without a position.
    public var part: String {
        guard let position, position >= 1 else { return "" }
        let chars = Array(expression)
        guard position - 1 < chars.count else { return "" }
        var end = position - 1
        while end < chars.count, !" \t\n\r,".contains(chars[end]) { end += 1 }
        return String(chars[(position - 1)..<end])
    }

    /// `batch "5 *0": *0 at column 3: a multiplier must be at least 1`
    public var description: String {
        let head = "batch \"\(expression)\""
        guard let position else { return "\(head): \(reason)" }
        let p = part
        return p.isEmpty ? "\(head): column \(position): \(reason)" : "\(head): \(p) at column \(position): \(reason)"
    }
}
