import PlatLang

/// A set of small integers (0...63) kept as one bit mask: the values a cron field allows.
struct CronBits: Sendable, Equatable {
    private(set) var mask: UInt64 = 0

    init() {}

    mutating func insert(_ value: Int) {
        if (0..<64).contains(value) { mask |= 1 << UInt64(value) }
    }

    func contains(_ value: Int) -> Bool {
        (0..<64).contains(value) && mask & (1 << UInt64(value)) != 0
    }

    /// The smallest member that is at least `value`, if any.
    func next(from value: Int) -> Int? {
        if value >= 64 { return nil }
        let rest = mask >> UInt64(max(0, value))
        return rest == 0 ? nil : max(0, value) + rest.trailingZeroBitCount
    }

    var first: Int? { next(from: 0) }
    var isEmpty: Bool { mask == 0 }
}

/// The five fields of a cron expression, with what each accepts.
enum CronFieldKind: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    /// The name used in error messages and `CronError.field`.
    var name: String {
        switch self {
        case .minute: return "minute"
        case .hour: return "hour"
        case .dayOfMonth: return "day-of-month"
        case .month: return "month"
        case .dayOfWeek: return "day-of-week"
        }
    }

    /// Values a user may write. Day-of-week accepts 7 as a second spelling of Sunday.
    var writable: ClosedRange<Int> {
        switch self {
        case .minute: return 0...59
        case .hour: return 0...23
        case .dayOfMonth: return 1...31
        case .month: return 1...12
        case .dayOfWeek: return 0...7
        }
    }

    /// What `*` (and the open end of `a/n`) covers: day-of-week stops at 6 so Sunday is not counted twice.
    var span: ClosedRange<Int> {
        self == .dayOfWeek ? 0...6 : writable
    }

    /// Names accepted in place of numbers, indexed from the field's first value.
    var names: [String] {
        switch self {
        case .month: return ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: return ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: return []
        }
    }
}

/// A parsed field: its allowed values, and whether it was written starting with `*`, which is what decides the
/// day-of-month/day-of-week rule and the daylight-saving behaviour of the hour field.
struct CronField: Sendable, Equatable {
    var values: CronBits
    var startsWithStar: Bool

    /// field = item ("," item)* ; item = base ("/" step)? ; base = "*" | value | value "-" value
    static func parse(_ text: String, kind: CronFieldKind, expression: String) throws -> CronField {
        func fail(_ reason: String) -> CronError {
            CronError(expression: expression, field: kind.name, reason: reason)
        }
        var values = CronBits()
        for itemText in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(itemText)
            if item.isEmpty { throw fail("empty item in \(kind.name) list '\(text)'") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count > 2 { throw fail("\(kind.name) '\(item)' has more than one '/'") }
            let base = parts[0]
            let step = parts.count == 2 ? try parseStep(parts[1], item: item, kind: kind, fail: fail) : nil
            if base.isEmpty { throw fail("missing value before '/' in \(kind.name) '\(item)'") }

            let low: Int, high: Int
            if base == "*" {
                (low, high) = (kind.span.lowerBound, kind.span.upperBound)
            } else if base.contains("*") {
                throw fail("\(kind.name) '\(item)' is not valid; '*' stands alone or takes a step, as in */5")
            } else if base.contains("-") {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard ends.count == 2, !ends[0].isEmpty, !ends[1].isEmpty else {
                    throw fail("\(kind.name) '\(item)' is not a value or a range a-b")
                }
                low = try parseValue(ends[0], kind: kind, fail: fail)
                high = try parseValue(ends[1], kind: kind, fail: fail)
                if low > high {
                    throw fail("range \(ends[0])-\(ends[1]) in \(kind.name) is reversed; "
                        + "to wrap around, list both parts: \(wrapHint(low, high, kind))")
                }
            } else {
                low = try parseValue(base, kind: kind, fail: fail)
                // `a/n` runs from a to the end of the field; a lone value is just itself.
                high = step == nil ? low : max(low, kind.span.upperBound)
            }
            for v in stride(from: low, through: high, by: step ?? 1) {
                values.insert(kind == .dayOfWeek && v == 7 ? 0 : v)
            }
        }
        return CronField(values: values, startsWithStar: text.hasPrefix("*"))
    }

    private static func parseStep(_ text: String, item: String, kind: CronFieldKind,
                                  fail: (String) -> CronError) throws -> Int {
        if text.isEmpty { throw fail("missing step after '/' in \(kind.name) '\(item)'") }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw fail("step '\(text)' in \(kind.name) is not a number")
        }
        let limit = kind.span.upperBound - kind.span.lowerBound
        // Digits that overflow Int are simply too large.
        guard let step = Int(text), step <= limit else {
            throw fail("step \(text) in \(kind.name) out of range 1-\(limit)")
        }
        if step == 0 { throw fail("step 0 in \(kind.name)") }
        return step
    }

    private static func parseValue(_ text: String, kind: CronFieldKind,
                                   fail: (String) -> CronError) throws -> Int {
        let range = kind.writable
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let v = Int(text), range.contains(v) else {
                throw fail("\(kind.name) \(text) out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return v
        }
        let names = kind.names
        let upper = text.uppercased()
        if let index = names.firstIndex(of: upper) { return kind.span.lowerBound + index }
        if let hint = quartzHint(upper, kind: kind) { throw fail("\(kind.name) '\(text)' is not supported; \(hint)") }
        if !names.isEmpty && text.allSatisfy({ $0.isASCII && $0.isLetter }) {
            var reason = "unknown \(kind.name) name '\(text)'"
            if let near = suggestion(for: upper, in: names) { reason += "; did you mean \(near)?" }
            throw fail(reason)
        }
        if text == "?" { throw fail("\(kind.name) '?' is not supported; use '*' for any") }
        let expected = names.isEmpty ? "a number" : "a number or \(kind.name) name (\(names[0])...)"
        throw fail("\(kind.name) '\(text)' is not \(expected)")
    }

    /// Quartz-style extensions (`L`, `15W`, `5#3`) are a common source of confusion; say so plainly.
    private static func quartzHint(_ upper: String, kind: CronFieldKind) -> String? {
        guard kind == .dayOfMonth || kind == .dayOfWeek else { return nil }
        let isQuartz = upper.contains("#") || upper == "L" || upper == "LW"
            || (upper.count > 1 && (upper.hasSuffix("L") || upper.hasSuffix("W"))
                && upper.dropLast().allSatisfy { $0.isASCII && $0.isNumber })
        return isQuartz ? "Quartz extensions L, W and # are not part of standard cron" : nil
    }

    /// A misspelt name: prefer a name with the same letters in another order (JNU -> JUN), else the closest.
    private static func suggestion(for upper: String, in names: [String]) -> String? {
        if let anagram = names.first(where: { $0.sorted() == upper.sorted() }) { return anagram }
        return closestName(to: upper, in: names)
    }

    /// "22-2 in hour" -> "22-23,0-2", using numbers the field accepts.
    private static func wrapHint(_ low: Int, _ high: Int, _ kind: CronFieldKind) -> String {
        func part(_ a: Int, _ b: Int) -> String { a == b ? "\(a)" : "\(a)-\(b)" }
        let top = kind == .dayOfWeek ? 6 : kind.writable.upperBound
        let bottom = kind.writable.lowerBound
        return "\(part(low, max(low, top))),\(part(bottom, high))"
    }
}
