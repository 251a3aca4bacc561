import Foundation
import PlatLang
import PlatEngine
import PlatStore

/// One value of a host field or an instance attribute.
///
/// Lists (users, IPs, enum-multi, list) are kept as arrays here and stored as comma-joined text, which is why
/// their elements may not contain commas; that one storage rule lets the filter language treat a list the
/// same way whether it lives in a column or in the JSON of custom fields.
public enum CMDBValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case list([String])

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The text a CSV cell or a table shows: lists joined by commas, nil as the empty string.
    public var text: String {
        switch self {
        case .null: return ""
        case .string(let s): return s
        case .int(let i): return String(i)
        case .float(let d): return CMDBValue.formatFloat(d)
        case .bool(let b): return b ? "true" : "false"
        case .list(let xs): return xs.joined(separator: ",")
        }
    }

    public var description: String { text }

    static func formatFloat(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return String(d)
    }

    /// How the value is stored in a column.
    public var sqlValue: SQLValue {
        switch self {
        case .null: return .null
        case .string(let s): return .text(s)
        case .int(let i): return .int(i)
        case .float(let d): return .double(d)
        case .bool(let b): return .int(b ? 1 : 0)
        case .list(let xs): return xs.isEmpty ? .null : .text(xs.joined(separator: ","))
        }
    }

    /// The value read back from a column (or from the JSON of custom fields) for a field of `type`.
    public static func from(_ v: SQLValue, type: AttributeType) -> CMDBValue {
        switch (v, type) {
        case (.null, _): return .null
        case (.text(let s), _) where type.isList:
            return s.isEmpty ? .null : .list(s.split(separator: ",", omittingEmptySubsequences: true).map(String.init))
        case (.int(let i), .bool): return .bool(i != 0)
        case (.int(let i), .float): return .float(Double(i))
        case (.int(let i), _): return .int(i)
        case (.double(let d), .int): return d == d.rounded() && abs(d) < 9e18 ? .int(Int64(d)) : .float(d)
        case (.double(let d), _): return .float(d)
        case (.text(let s), _): return .string(s)
        case (.blob(let b), _): return .string(String(decoding: b, as: UTF8.self))
        }
    }

    /// The .plat value: lists become lists of strings, nil stays nil.
    public var platValue: Value {
        switch self {
        case .null: return .null
        case .string(let s): return .string(s)
        case .int(let i): return .int(Int(clamping: i))
        case .float(let d): return .float(d)
        case .bool(let b): return .bool(b)
        case .list(let xs): return .list(xs.map { .string($0) })
        }
    }

    /// A JSONSerialization-ready object.
    public var jsonObject: Any {
        switch self {
        case .null: return NSNull()
        case .string(let s): return s
        case .int(let i): return i
        case .float(let d): return d
        case .bool(let b): return b
        case .list(let xs): return xs
        }
    }

    /// Appends the value as JSON text (what events and the custom-field column hold).
    func appendJSON(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .string(let s): Value.writeQuoted(s, to: &out)
        case .int(let i): out += String(i)
        case .float(let d): out += d.isFinite ? String(d) : "null"
        case .bool(let b): out += b ? "true" : "false"
        case .list(let xs):
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += "," }
                Value.writeQuoted(x, to: &out)
            }
            out += "]"
        }
    }

    /// The value as custom-field JSON storage: lists as comma-joined strings (see the type's note).
    func appendStorageJSON(to out: inout String) {
        if case .list(let xs) = self {
            Value.writeQuoted(xs.joined(separator: ","), to: &out)
        } else {
            appendJSON(to: &out)
        }
    }
}

/// Times in the CMDB: canonical UTC text `YYYY-MM-DDTHH:MM:SSZ`, which sorts as it reads.
public enum CMDBTime {
    /// Formats seconds since 1970 without DateFormatter (imports stamp 100,000 rows).
    public static func format(_ t: Double) -> String {
        let secs = Int64(t.rounded(.down))
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = Int(secs - days * 86_400)
        let (y, m, d) = CronCalendar.date(fromDays: Int(days))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, or ISO 8601 with `T`, an optional fraction and `Z` or `±HH:MM`
    /// (no zone means UTC). Nil for anything else, including impossible dates.
    public static func parse(_ text: String) -> Double? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              let days = days(year: y, month: mo, day: d) else { return nil }
        var t = Double(days) * 86_400
        if b.count == 10 { return t }
        guard b.count >= 16, b[10] == 84 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2),
              h < 24, mi < 60 else { return nil }
        t += Double(h * 3600 + mi * 60)
        var i = 16
        if i < b.count && b[i] == 58 {
            guard let s = num(17, 2), s < 61 else { return nil }
            t += Double(s)
            i = 19
            if i < b.count && b[i] == 46 {
                i += 1
                let start = i
                while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
                guard i > start else { return nil }
            }
        }
        if i == b.count { return t }
        if b[i] == 90 && i + 1 == b.count { return t }
        guard b[i] == 43 || b[i] == 45, i + 6 == b.count, let oh = num(i + 1, 2), b[i + 3] == 58,
              let om = num(i + 4, 2), oh < 24, om < 60 else { return nil }
        let offset = Double(oh * 3600 + om * 60)
        return b[i] == 43 ? t - offset : t + offset
    }

    /// Days since 1970-01-01 of a valid date, else nil.
    static func days(year: Int, month: Int, day: Int) -> Int64? {
        guard year >= 1, year <= 9999, month >= 1, month <= 12, day >= 1,
              day <= CronCalendar.daysInMonth(year: year, month: month) else { return nil }
        return Int64(CronCalendar.days(year: year, month: month, day: day))
    }
}
