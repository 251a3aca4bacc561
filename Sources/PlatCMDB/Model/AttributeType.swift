import Foundation
import PlatLang

/// The type of a host field or a model attribute, with the checks every value of it passes.
public enum AttributeType: Equatable, Sendable, CustomStringConvertible {
    /// Up to 256 characters.
    case string
    /// Long text (up to 64 KiB).
    case text
    case int
    case float
    case bool
    /// One of the listed options.
    case enumeration([String])
    /// Any of the listed options (a list).
    case enumMulti([String])
    /// `YYYY-MM-DD`.
    case date
    /// A moment, stored as `YYYY-MM-DDTHH:MM:SSZ`.
    case time
    /// User names (a list: a host has several operators).
    case user
    /// A list of strings.
    case list
    /// A list of IP addresses (host fields only).
    case ip

    public static let stringLimit = 256
    public static let textLimit = 65_536

    /// The names `--attr NAME:TYPE` accepts, for help and "did you mean".
    public static let names = ["string", "text", "int", "float", "bool", "enum", "enum-multi", "date", "time", "user",
                               "list"]

    /// The type's name as written in `--attr` (`enum(a,b)` with its options).
    public var description: String {
        switch self {
        case .string: return "string"
        case .text: return "text"
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .enumeration(let o): return "enum(\(o.joined(separator: ",")))"
        case .enumMulti(let o): return "enum-multi(\(o.joined(separator: ",")))"
        case .date: return "date"
        case .time: return "time"
        case .user: return "user"
        case .list: return "list"
        case .ip: return "ip"
        }
    }

    /// The bare kind, without options.
    public var kind: String {
        switch self {
        case .enumeration: return "enum"
        case .enumMulti: return "enum-multi"
        default: return description
        }
    }

    /// Does a value of this type hold several elements?
    public var isList: Bool {
        switch self {
        case .enumMulti, .user, .list, .ip: return true
        default: return false
        }
    }

    public var isNumeric: Bool { self == .int || self == .float }

    public var options: [String]? {
        switch self {
        case .enumeration(let o), .enumMulti(let o): return o
        default: return nil
        }
    }

    /// Parses a type as written after the colon of `--attr name:TYPE`: `string`, `text` (or `long-text`), `int`,
    /// `float`, `bool`, `enum(a,b,c)`, `enum-multi(a,b)`, `date`, `time`, `user`, `list`.
    public static func parse(_ spec: String) throws -> AttributeType {
        let s = spec.trimmingCharacters(in: .whitespaces)
        if let open = s.firstIndex(of: "("), s.hasSuffix(")") {
            let head = s[..<open].lowercased()
            let body = s[s.index(after: open)..<s.index(before: s.endIndex)]
            let options = body.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !options.isEmpty, options.allSatisfy({ !$0.isEmpty }) else {
                throw CMDBError(.invalid, "\(head) needs at least one option: \(head)(a,b,c)")
            }
            guard Set(options).count == options.count else {
                throw CMDBError(.invalid, "\(s) lists an option twice")
            }
            switch head {
            case "enum": return .enumeration(options)
            case "enum-multi", "enummulti": return .enumMulti(options)
            default:
                throw CMDBError(.invalid, "only enum and enum-multi take options, not \(head)",
                                hint: "write enum(\(body)) or enum-multi(\(body))")
            }
        }
        switch s.lowercased() {
        case "string", "str": return .string
        case "text", "long-text", "longtext", "longchar": return .text
        case "int", "integer": return .int
        case "float", "number": return .float
        case "bool", "boolean": return .bool
        case "date": return .date
        case "time", "datetime": return .time
        case "user", "users": return .user
        case "list": return .list
        case "enum", "enum-multi":
            throw CMDBError(.invalid, "\(s) needs its options: \(s)(a,b,c)")
        default:
            let hint = closestName(to: s, in: names).map { "did you mean '\($0)'?" }
                ?? "types: " + names.joined(separator: ", ")
            throw CMDBError(.invalid, "unknown attribute type '\(s)'", hint: hint)
        }
    }

    // MARK: Values

    /// Checks and converts text (a CSV cell, `key=value` on the command line). Empty text is nil. The error is
    /// the reason alone ("expected an int, got 'x'"); the caller adds the field and the line.
    public func parse(text raw: String) -> Result<CMDBValue, FieldProblem> {
        let text = AttributeType.hasOuterSpace(raw) ? String(AttributeType.trimSpaces(Substring(raw))) : raw
        if text.isEmpty { return .success(.null) }
        switch self {
        case .string:
            if text.utf8.count > AttributeType.stringLimit && text.count > AttributeType.stringLimit {
                return .failure(FieldProblem("is \(text.count) characters long; a string holds at most 256",
                                             hint: "declare the field as text for long values"))
            }
            return .success(.string(text))
        case .text:
            if text.utf8.count > AttributeType.textLimit {
                return .failure(FieldProblem("is \(text.utf8.count) bytes long; text holds at most 64 KiB"))
            }
            return .success(.string(raw))
        case .int:
            guard let i = Int64(text) else {
                return .failure(FieldProblem("expected an int, got '\(AttributeType.clip(text))'"))
            }
            return .success(.int(i))
        case .float:
            guard let d = Double(text), d.isFinite, !text.lowercased().contains("n") else {
                return .failure(FieldProblem("expected a number, got '\(AttributeType.clip(text))'"))
            }
            return .success(.float(d))
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "1", "on": return .success(.bool(true))
            case "false", "no", "0", "off": return .success(.bool(false))
            default: return .failure(FieldProblem("expected true or false, got '\(AttributeType.clip(text))'"))
            }
        case .enumeration(let options):
            if options.contains(text) { return .success(.string(text)) }
            return .failure(AttributeType.notAnOption(text, options))
        case .enumMulti(let options):
            var out: [String] = []
            for p in AttributeType.elements(text) where !out.contains(p) {
                guard options.contains(p) else { return .failure(AttributeType.notAnOption(p, options)) }
                out.append(p)
            }
            return .success(out.isEmpty ? .null : .list(out))
        case .date:
            guard text.utf8.count == 10, let t = CMDBTime.parse(text) else {
                return .failure(FieldProblem("expected a date YYYY-MM-DD, got '\(AttributeType.clip(text))'"))
            }
            return .success(.string(String(CMDBTime.format(t).prefix(10))))
        case .time:
            guard let t = CMDBTime.parse(text) else {
                return .failure(FieldProblem("expected a time such as 2026-03-01T09:30:00Z, got '\(AttributeType.clip(text))'"))
            }
            return .success(.string(CMDBTime.format(t)))
        case .user:
            var out: [String] = []
            for p in AttributeType.elements(text) where !out.contains(p) {
                guard AttributeType.isUserName(p) else {
                    return .failure(FieldProblem("'\(AttributeType.clip(p))' is not a user name",
                                                 hint: "user names are letters, digits and . _ @ -"))
                }
                out.append(p)
            }
            return .success(out.isEmpty ? .null : .list(out))
        case .list:
            var out: [String] = []
            for p in AttributeType.elements(text) {
                if p.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                    return .failure(FieldProblem("list elements may not contain control characters"))
                }
                out.append(p)
            }
            return .success(out.isEmpty ? .null : .list(out))
        case .ip:
            return AttributeType.parseIPs(text: text).value
        }
    }

    /// `parse(text:)` for the `.ip` type, with the addresses of the list it returns, in its order: an import
    /// keys its IP index by them and need not parse them twice.
    static func parseIPs(text raw: String) -> (value: Result<CMDBValue, FieldProblem>, addresses: [IPAddress]) {
        let text = AttributeType.hasOuterSpace(raw) ? String(AttributeType.trimSpaces(Substring(raw))) : raw
        var out: [String] = []
        var addresses: [IPAddress] = []
        for p in AttributeType.elements(text) {
            guard let a = IPAddress(p) else {
                return (.failure(FieldProblem("'\(AttributeType.clip(p))' is not an IPv4 or IPv6 address")), [])
            }
            // An IPv4 address that parsed is already canonical (digits and dots, no leading zeros).
            let canonical = a.isIPv4 && p.utf8.count <= 15 ? p : a.description
            if !out.contains(canonical) {
                out.append(canonical)
                addresses.append(a)
            }
        }
        return (.success(out.isEmpty ? .null : .list(out)), addresses)
    }

    /// Checks a JSON value (from a JSON import or the API); strings go through `parse(text:)`, numbers and
    /// booleans must fit the type, arrays are accepted for list types.
    public func accept(json: Any) -> Result<CMDBValue, FieldProblem> {
        switch json {
        case is NSNull: return .success(.null)
        case let s as String: return parse(text: s)
        case let n as NSNumber:
            if AttributeType.isJSONBool(n) {
                if self == .bool { return .success(.bool(n.boolValue)) }
                return .failure(FieldProblem("expected \(kindPhrase), got a boolean"))
            }
            switch self {
            case .int:
                let d = n.doubleValue
                guard d == d.rounded(), abs(d) < 9.2e18 else { return .failure(FieldProblem("expected an int, got \(n)")) }
                return .success(.int(n.int64Value))
            case .float: return .success(.float(n.doubleValue))
            case .bool: return .failure(FieldProblem("expected true or false, got \(n)"))
            default: return parse(text: n.stringValue)
            }
        case let xs as [Any]:
            guard isList else { return .failure(FieldProblem("expected \(kindPhrase), got a list")) }
            var parts: [String] = []
            for x in xs {
                guard let s = x as? String ?? (x as? NSNumber)?.stringValue else {
                    return .failure(FieldProblem("list elements must be strings"))
                }
                if s.contains(",") { return .failure(FieldProblem("list elements may not contain commas ('\(AttributeType.clip(s))')")) }
                parts.append(s)
            }
            return parse(text: parts.joined(separator: ","))
        default:
            return .failure(FieldProblem("expected \(kindPhrase), got an object"))
        }
    }

    /// Checks a .plat value (`cmdb.update(host, sla: 3)`).
    public func accept(plat v: Value) -> Result<CMDBValue, FieldProblem> {
        switch v {
        case .null: return .success(.null)
        case .string(let s): return parse(text: s)
        case .int(let i):
            if self == .int { return .success(.int(Int64(i))) }
            if self == .float { return .success(.float(Double(i))) }
            if self == .bool { return .failure(FieldProblem("expected true or false, got \(i)")) }
            return parse(text: String(i))
        case .float(let d):
            if self == .float { return .success(.float(d)) }
            if self == .int { return .failure(FieldProblem("expected an int, got \(d)")) }
            return parse(text: String(d))
        case .bool(let b):
            if self == .bool { return .success(.bool(b)) }
            return .failure(FieldProblem("expected \(kindPhrase), got a bool"))
        case .list(let xs):
            guard isList else { return .failure(FieldProblem("expected \(kindPhrase), got a list")) }
            var parts: [String] = []
            for x in xs {
                guard case .string(let s) = x else { return .failure(FieldProblem("list elements must be strings")) }
                if s.contains(",") { return .failure(FieldProblem("list elements may not contain commas")) }
                parts.append(s)
            }
            return parse(text: parts.joined(separator: ","))
        default:
            return .failure(FieldProblem("expected \(kindPhrase), got \(v.typeName)"))
        }
    }

    /// "an int", "one of a, b", for messages.
    public var kindPhrase: String {
        switch self {
        case .string: return "a string"
        case .text: return "text"
        case .int: return "an int"
        case .float: return "a number"
        case .bool: return "true or false"
        case .enumeration(let o): return "one of " + o.joined(separator: ", ")
        case .enumMulti(let o): return "a list of " + o.joined(separator: ", ")
        case .date: return "a date"
        case .time: return "a time"
        case .user: return "user names"
        case .list: return "a list"
        case .ip: return "IP addresses"
        }
    }

    /// JSONSerialization hands booleans over as NSNumber; their type code is `c` (a JSON number never is).
    public static func isJSONBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// The comma-separated elements of a list, trimmed of spaces, empty ones dropped. By hand rather than
    /// with Foundation's trimming: an import splits a few hundred thousand of these.
    static func elements(_ text: String) -> [String] {
        var out: [String] = []
        let utf8 = text.utf8
        if !utf8.contains(44) && !hasOuterSpace(text) {
            return text.isEmpty ? [] : [text]
        }
        for part in text.split(separator: ",") {
            let t = trimSpaces(part)
            if !t.isEmpty { out.append(String(t)) }
        }
        return out
    }

    /// Does the text start or end with a space or a tab? (Read from its bytes: an import asks this of every cell.)
    static func hasOuterSpace(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            guard let first = b.first, let last = b.last else { return false }
            return first == 32 || first == 9 || last == 32 || last == 9
        }
    }

    /// Drops leading and trailing spaces and tabs.
    static func trimSpaces(_ s: Substring) -> Substring {
        var start = s.startIndex, end = s.endIndex
        while start < end, s[start] == " " || s[start] == "\t" { start = s.index(after: start) }
        while end > start, s[s.index(before: end)] == " " || s[s.index(before: end)] == "\t" { end = s.index(before: end) }
        return s[start..<end]
    }

    static func isUserName(_ s: String) -> Bool {
        var s = s
        return s.withUTF8(isUserName(utf8:))
    }

    static func isUserName(utf8 b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !b.isEmpty, b.count <= 64 else { return false }
        return b.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 64 || c == 45
        }
    }

    static func notAnOption(_ text: String, _ options: [String]) -> FieldProblem {
        let hint = closestName(to: text, in: options).map { "did you mean '\($0)'?" }
        return FieldProblem("'\(clip(text))' is not one of \(options.joined(separator: ", "))", hint: hint)
    }

    /// Long values are cut in messages so that one bad cell cannot flood the terminal.
    static func clip(_ s: String) -> String { s.count > 40 ? String(s.prefix(37)) + "..." : s }
}

/// Why one value was refused; the caller names the field (and the line, in an import).
public struct FieldProblem: Error, Equatable, Sendable {
    public var reason: String
    public var hint: String?
    public init(_ reason: String, hint: String? = nil) {
        self.reason = reason
        self.hint = hint
    }
}
