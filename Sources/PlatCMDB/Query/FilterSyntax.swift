import Foundation
import PlatLang

/// A filter, parsed: `module == "web" and city in ["sh", "bj"] and not (sla < 2)`.
public indirect enum FilterExpr: Equatable, Sendable {
    case and(FilterExpr, FilterExpr)
    case or(FilterExpr, FilterExpr)
    case not(FilterExpr)
    /// `field OP operand`.
    case compare(field: String, fieldAt: Int, op: FilterOp, operand: FilterOperand, at: Int)
    /// `field exists`.
    case exists(field: String, fieldAt: Int)
}

public enum FilterOp: String, Equatable, Sendable, CaseIterable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case isIn = "in", notIn = "not in"
    case contains, containsS = "contains_s", startsWith = "starts_with", endsWith = "ends_with"
    case glob = "~"
}

public enum FilterLiteral: Equatable, Sendable, CustomStringConvertible {
    case string(String), int(Int64), float(Double), bool(Bool)

    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        }
    }

    var typeName: String {
        switch self {
        case .string: return "a string"
        case .int: return "an int"
        case .float: return "a number"
        case .bool: return "a bool"
        }
    }
}

public enum FilterOperand: Equatable, Sendable {
    case literal(FilterLiteral)
    case list([(FilterLiteral, Int)])
    /// `$name`: filled in from the caller's variables (dynamic groups).
    case variable(String)

    public static func == (a: FilterOperand, b: FilterOperand) -> Bool {
        switch (a, b) {
        case (.literal(let x), .literal(let y)): return x == y
        case (.variable(let x), .variable(let y)): return x == y
        case (.list(let x), .list(let y)): return x.map(\.0) == y.map(\.0)
        default: return false
        }
    }
}

/// A mistake in a filter, with the column it was found at.
public struct FilterError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    /// 0-based character offset into `source`.
    public let offset: Int
    public let source: String
    public let hint: String?

    public init(_ message: String, at offset: Int, in source: String, hint: String? = nil) {
        self.message = message
        self.offset = offset
        self.source = source
        self.hint = hint
    }

    public var column: Int { offset + 1 }

    /// The message, the filter with a caret under the column, and the hint.
    public var description: String {
        var out = "\(message) (filter column \(column))"
        let chars = Array(source.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " "))
        if chars.isEmpty {
            // Nothing to point at (an empty or oversized filter).
        } else if chars.count <= 160 {
            out += "\n    \(String(chars))\n    \(String(repeating: " ", count: min(offset, chars.count)))^"
        } else {
            let start = max(0, min(offset - 60, chars.count - 160))
            let end = min(chars.count, start + 160)
            out += "\n    ...\(String(chars[start..<end]))...\n    \(String(repeating: " ", count: offset - start + 3))^"
        }
        if let hint { out += "\nhint: \(hint)" }
        return out
    }
}

/// Reads the filter language. Keywords (`and or not in exists contains contains_s starts_with ends_with
/// true false`) are case-insensitive; field names are not.
public struct FilterParser {
    enum Token: Equatable {
        case ident(String), string(String), int(Int64), float(Double), variable(String)
        case op(String), lparen, rparen, lbracket, rbracket, comma, end
    }

    let source: String
    private var chars: [Character]
    private var tokens: [(Token, Int)] = []
    private var index = 0
    private var depth = 0
    static let maxDepth = 64
    static let maxLength = 65_536

    static let operatorWords = ["in", "not", "contains", "contains_s", "starts_with", "ends_with", "exists"]

    public static func parse(_ source: String) throws -> FilterExpr {
        var p = FilterParser(source: source)
        return try p.parseAll()
    }

    init(source: String) {
        self.source = source
        self.chars = Array(source)
    }

    mutating func parseAll() throws -> FilterExpr {
        guard chars.count <= FilterParser.maxLength else {
            throw FilterError("the filter is longer than 64 KiB", at: 0, in: "", hint: nil)
        }
        try tokenize()
        if tokens.first?.0 == .end {
            throw FilterError("the filter is empty", at: 0, in: source, hint: "for example: module == \"web\" and sla >= 2")
        }
        let e = try parseOr()
        if let (t, at) = current, t != .end {
            throw FilterError("unexpected \(describe(t)) after a complete condition", at: at, in: source,
                              hint: "join conditions with and / or")
        }
        return e
    }

    // MARK: Tokens

    private mutating func tokenize() throws {
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            switch c {
            case "(": tokens.append((.lparen, i)); i += 1
            case ")": tokens.append((.rparen, i)); i += 1
            case "[": tokens.append((.lbracket, i)); i += 1
            case "]": tokens.append((.rbracket, i)); i += 1
            case ",": tokens.append((.comma, i)); i += 1
            case "~": tokens.append((.op("~"), i)); i += 1
            case "=", "!", "<", ">":
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                if next == "=" {
                    tokens.append((.op(String(c) + "="), i)); i += 2
                } else if c == "<" || c == ">" {
                    tokens.append((.op(String(c)), i)); i += 1
                } else if c == "=" {
                    throw FilterError("'=' is not an operator", at: i, in: source, hint: "compare with ==")
                } else {
                    throw FilterError("'!' is not an operator", at: i, in: source, hint: "write != or not")
                }
            case "\"", "'":
                var s = ""
                i += 1
                var closed = false
                while i < chars.count {
                    let d = chars[i]
                    if d == c { closed = true; i += 1; break }
                    if d == "\\" {
                        guard i + 1 < chars.count else { break }
                        switch chars[i + 1] {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "\\": s.append("\\")
                        case "\"": s.append("\"")
                        case "'": s.append("'")
                        default:
                            throw FilterError("unknown escape '\\\(chars[i + 1])' in a string", at: i, in: source,
                                              hint: "escapes are \\\" \\' \\\\ \\n \\t")
                        }
                        i += 2
                        continue
                    }
                    s.append(d)
                    i += 1
                }
                if !closed { throw FilterError("this string is not closed", at: start, in: source, hint: "add the closing \(c)") }
                tokens.append((.string(s), start))
            case "$":
                i += 1
                let nameStart = i
                while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "_") && chars[i].isASCII { i += 1 }
                guard i > nameStart else {
                    throw FilterError("'$' must be followed by a variable name", at: start, in: source, hint: "for example $env")
                }
                tokens.append((.variable(String(chars[nameStart..<i])), start))
            default:
                if c.isASCII && (c.isNumber || c == "-" || c == "+" || c == ".") {
                    i += 1
                    while i < chars.count && chars[i].isASCII && (chars[i].isNumber || chars[i] == "." || chars[i] == "e"
                        || chars[i] == "E" || ((chars[i] == "-" || chars[i] == "+") && (chars[i - 1] == "e" || chars[i - 1] == "E"))) { i += 1 }
                    let text = String(chars[start..<i])
                    if let n = Int64(text) {
                        tokens.append((.int(n), start))
                    } else if let d = Double(text), d.isFinite {
                        tokens.append((.float(d), start))
                    } else {
                        throw FilterError("'\(text)' is not a number", at: start, in: source)
                    }
                } else if c.isASCII && (c.isLetter || c == "_") {
                    while i < chars.count && chars[i].isASCII && (chars[i].isLetter || chars[i].isNumber || chars[i] == "_") { i += 1 }
                    tokens.append((.ident(String(chars[start..<i])), start))
                } else {
                    throw FilterError("unexpected character '\(c)'", at: i, in: source)
                }
            }
        }
        tokens.append((.end, chars.count))
    }

    private var current: (Token, Int)? { index < tokens.count ? tokens[index] : nil }
    private var position: Int { current?.1 ?? chars.count }

    private func isKeyword(_ t: Token?, _ word: String) -> Bool {
        if case .ident(let w)? = t { return w.lowercased() == word }
        return false
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .ident(let w): return "'\(w)'"
        case .string(let s): return "the string \"\(AttributeType.clip(s))\""
        case .int(let n): return "the number \(n)"
        case .float(let d): return "the number \(d)"
        case .variable(let v): return "$\(v)"
        case .op(let o): return "'\(o)'"
        case .lparen: return "'('"
        case .rparen: return "')'"
        case .lbracket: return "'['"
        case .rbracket: return "']'"
        case .comma: return "','"
        case .end: return "the end of the filter"
        }
    }

    // MARK: Grammar

    private mutating func parseOr() throws -> FilterExpr {
        var left = try parseAnd()
        while isKeyword(current?.0, "or") {
            index += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws -> FilterExpr {
        var left = try parseNot()
        while isKeyword(current?.0, "and") {
            index += 1
            left = .and(left, try parseNot())
        }
        return left
    }

    private mutating func parseNot() throws -> FilterExpr {
        if isKeyword(current?.0, "not") {
            index += 1
            try enter()
            defer { depth -= 1 }
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    private mutating func enter() throws {
        depth += 1
        if depth > FilterParser.maxDepth {
            throw FilterError("the filter nests deeper than \(FilterParser.maxDepth) levels", at: position, in: source)
        }
    }

    private mutating func parsePrimary() throws -> FilterExpr {
        guard let (t, at) = current else { throw FilterError("unexpected end of the filter", at: chars.count, in: source) }
        switch t {
        case .lparen:
            index += 1
            try enter()
            defer { depth -= 1 }
            let e = try parseOr()
            guard current?.0 == .rparen else {
                throw FilterError("expected ')' to close the '(' at column \(at + 1), found \(describe(current?.0 ?? .end))",
                                  at: position, in: source)
            }
            index += 1
            return e
        case .ident(let name):
            if ["and", "or"].contains(name.lowercased()) {
                throw FilterError("expected a condition before '\(name)'", at: at, in: source)
            }
            index += 1
            return try parseCondition(field: name, at: at)
        case .end:
            throw FilterError("the filter ends where a condition was expected", at: at, in: source,
                              hint: "a condition is FIELD OP VALUE, e.g. city == \"sh\"")
        default:
            throw FilterError("expected a field name, found \(describe(t))", at: at, in: source,
                              hint: "a condition is FIELD OP VALUE, e.g. city == \"sh\"")
        }
    }

    private mutating func parseCondition(field: String, at fieldAt: Int) throws -> FilterExpr {
        guard let (t, at) = current else { throw FilterError("unexpected end of the filter", at: chars.count, in: source) }
        var op: FilterOp
        switch t {
        case .op(let o):
            guard let known = FilterOp(rawValue: o) else { throw FilterError("unknown operator '\(o)'", at: at, in: source) }
            op = known
            index += 1
        case .ident(let w):
            let word = w.lowercased()
            if word == "exists" {
                index += 1
                return .exists(field: field, fieldAt: fieldAt)
            }
            if word == "not" {
                index += 1
                if isKeyword(current?.0, "in") {
                    index += 1
                    op = .notIn
                } else if isKeyword(current?.0, "exists") {
                    index += 1
                    return .not(.exists(field: field, fieldAt: fieldAt))
                } else {
                    throw FilterError("expected 'in' or 'exists' after 'not'", at: position, in: source,
                                      hint: "write FIELD not in [...], or not (CONDITION)")
                }
            } else if let known = FilterOp(rawValue: word), known != .notIn {
                op = known
                index += 1
            } else {
                let hint = closestName(to: word, in: FilterParser.operatorWords).map { "did you mean '\($0)'?" }
                    ?? "operators: == != < <= > >= in, not in, contains, contains_s, starts_with, ends_with, ~, exists"
                throw FilterError("'\(w)' is not an operator", at: at, in: source, hint: hint)
            }
        default:
            throw FilterError("expected an operator after '\(field)', found \(describe(t))", at: at, in: source,
                              hint: "operators: == != < <= > >= in, not in, contains, contains_s, starts_with, ends_with, ~, exists")
        }
        let operandAt = position
        let operand = try parseOperand(list: op == .isIn || op == .notIn)
        return .compare(field: field, fieldAt: fieldAt, op: op, operand: operand, at: operandAt)
    }

    private mutating func parseOperand(list: Bool) throws -> FilterOperand {
        guard let (t, at) = current else { throw FilterError("unexpected end of the filter", at: chars.count, in: source) }
        if case .variable(let v) = t {
            index += 1
            return .variable(v)
        }
        if t == .lbracket {
            index += 1
            var items: [(FilterLiteral, Int)] = []
            if current?.0 == .rbracket {
                throw FilterError("an empty list matches nothing", at: at, in: source, hint: "list at least one value")
            }
            while true {
                let itemAt = position
                items.append((try parseLiteral(), itemAt))
                if current?.0 == .comma { index += 1; continue }
                if current?.0 == .rbracket { index += 1; break }
                throw FilterError("expected ',' or ']' in the list, found \(describe(current?.0 ?? .end))", at: position, in: source)
            }
            return .list(items)
        }
        if list {
            throw FilterError("in and not in take a list", at: at, in: source, hint: "write [\"a\", \"b\"]")
        }
        return .literal(try parseLiteral())
    }

    private mutating func parseLiteral() throws -> FilterLiteral {
        guard let (t, at) = current else { throw FilterError("unexpected end of the filter", at: chars.count, in: source) }
        switch t {
        case .string(let s): index += 1; return .string(s)
        case .int(let n): index += 1; return .int(n)
        case .float(let d): index += 1; return .float(d)
        case .ident(let w) where w.lowercased() == "true": index += 1; return .bool(true)
        case .ident(let w) where w.lowercased() == "false": index += 1; return .bool(false)
        case .ident(let w):
            throw FilterError("expected a value, found the bare word '\(w)'", at: at, in: source,
                              hint: "quote text: \"\(w)\"")
        default:
            throw FilterError("expected a value (a quoted string, a number, true or false), found \(describe(t))",
                              at: at, in: source)
        }
    }
}
