import PlatLang

/// Reads an `EventFilter`:
///
///     filter     := or
///     or         := and (("or" | "||") and)*
///     and        := unary (("and" | "&&") unary)*
///     unary      := ("not" | "!") unary | "(" or ")" | comparison
///     comparison := FIELD ("==" | "!=") STRING | FIELD ["not"] "in" "[" STRING ("," STRING)* [","] "]"
///
/// Strings take double or single quotes, with `\` before a quote or a backslash. Keywords are case-insensitive.
struct EventFilterParser {
    enum Token: Equatable {
        case word(String), string(String), symbol(String), end
    }

    let source: String
    let event: String
    let fields: [String]
    private let chars: [Character]
    private var tokens: [(token: Token, offset: Int)] = []
    private var index = 0

    init(source: String, event: String, fields: [String]) {
        self.source = source
        self.event = event
        self.fields = fields
        chars = Array(source)
    }

    /// The whole filter; anything left after it is an error.
    mutating func parseWhole() throws -> EventFilter.Node {
        try tokenize()
        if current.token == .end {
            throw failure("the filter is empty", at: 0, hint: example)
        }
        let node = try parseOr()
        if current.token != .end {
            throw failure("expected and, or or the end of the filter, got \(shown(current.token))", at: current.offset,
                          hint: "join comparisons with and / or: \(example)")
        }
        return node
    }

    private var example: String { "\(fields.first ?? "field") == \"prod\" and \(fields.dropFirst().first ?? "field") != \"docs\"" }

    private var current: (token: Token, offset: Int) { tokens[index] }

    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func isKeyword(_ t: Token, _ k: String) -> Bool {
        if case .word(let w) = t { return w.lowercased() == k }
        return false
    }

    private mutating func parseOr() throws -> EventFilter.Node {
        var terms = [try parseAnd()]
        while isKeyword(current.token, "or") || current.token == .symbol("||") {
            advance()
            terms.append(try parseAnd())
        }
        return terms.count == 1 ? terms[0] : .any(terms)
    }

    private mutating func parseAnd() throws -> EventFilter.Node {
        var terms = [try parseUnary()]
        while isKeyword(current.token, "and") || current.token == .symbol("&&") {
            advance()
            terms.append(try parseUnary())
        }
        return terms.count == 1 ? terms[0] : .all(terms)
    }

    /// How deep `not` and parentheses may nest: the parser and the matcher recurse once per level, and a
    /// filter is text from a file, so its depth is bounded rather than left to the thread's stack.
    static let maximumDepth = 64
    private var depth = 0

    /// One level deeper, refused past `maximumDepth`; the caller steps back out with `depth -= 1`.
    private mutating func enter(at offset: Int) throws {
        guard depth < Self.maximumDepth else {
            throw failure("the filter nests not and parentheses deeper than \(Self.maximumDepth) levels", at: offset,
                          hint: "write it flatter: and / or chains need no parentheses")
        }
        depth += 1
    }

    private mutating func parseUnary() throws -> EventFilter.Node {
        if isKeyword(current.token, "not") || current.token == .symbol("!") {
            try enter(at: current.offset)
            defer { depth -= 1 }
            advance()
            return .not(try parseUnary())
        }
        if current.token == .symbol("(") {
            let open = current.offset
            try enter(at: open)
            defer { depth -= 1 }
            advance()
            return try parenthesized(openedAt: open)
        }
        return try parseComparison()
    }

    private mutating func parenthesized(openedAt open: Int) throws -> EventFilter.Node {
        let inner = try parseOr()
        guard current.token == .symbol(")") else {
            throw failure("expected ) to close the ( at column \(open + 1), got \(shown(current.token))", at: current.offset,
                          hint: "close each ( with a )")
        }
        advance()
        return inner
    }

    private mutating func parseComparison() throws -> EventFilter.Node {
        let (token, offset) = current
        guard case .word(let field) = token, !["and", "or", "not", "in"].contains(field.lowercased()) else {
            throw failure("expected a field name, got \(shown(token))", at: offset,
                          hint: "fields: \(fields.joined(separator: ", ")); e.g. \(example)")
        }
        guard fields.contains(field) else {
            throw failure("unknown field '\(field)'", at: offset,
                          hint: closestName(to: field, in: fields).map { "did you mean '\($0)'?" }
                              ?? "fields: \(fields.joined(separator: ", "))")
        }
        advance()
        let (op, opOffset) = current
        switch op {
        case .symbol("=="), .symbol("!="):
            advance()
            let text = try quoted(after: field)
            let equals = EventFilter.Node.equals(field: field, text: text)
            return op == .symbol("==") ? equals : .not(equals)
        case _ where isKeyword(op, "in"):
            advance()
            return .oneOf(field: field, texts: try list(after: field))
        case _ where isKeyword(op, "not"):
            advance()
            guard isKeyword(current.token, "in") else {
                throw failure("expected in after \(field) not, got \(shown(current.token))", at: current.offset,
                              hint: "\(field) not in [\"a\", \"b\"], or not (\(field) == \"a\")")
            }
            advance()
            return .not(.oneOf(field: field, texts: try list(after: field)))
        case .symbol("="):
            throw failure("a single = after \(field)", at: opOffset, hint: "compare with ==: \(field) == \"prod\"")
        default:
            throw failure("expected ==, != or in after \(field), got \(shown(op))", at: opOffset, hint: "\(field) == \"prod\"")
        }
    }

    /// A quoted string, the right side of a comparison with `field`.
    private mutating func quoted(after field: String) throws -> String {
        let (token, offset) = current
        guard case .string(let s) = token else {
            let bare: String
            if case .word(let w) = token { bare = w } else { bare = "prod" }
            throw failure("compare \(field) with a quoted string, got \(shown(token))", at: offset,
                          hint: "\(field) == \"\(bare)\"")
        }
        advance()
        return s
    }

    /// `[STRING, ...]` after `in`.
    private mutating func list(after field: String) throws -> [String] {
        guard current.token == .symbol("[") else {
            throw failure("expected [ after in, got \(shown(current.token))", at: current.offset,
                          hint: "\(field) in [\"a\", \"b\"]")
        }
        advance()
        var texts: [String] = []
        while current.token != .symbol("]") {
            texts.append(try quoted(after: field))
            if current.token == .symbol(",") { advance(); continue }
            guard current.token == .symbol("]") else {
                throw failure("expected , or ] in the list, got \(shown(current.token))", at: current.offset,
                              hint: "\(field) in [\"a\", \"b\"]")
            }
        }
        advance()
        return texts
    }

    private func shown(_ t: Token) -> String {
        switch t {
        case .word(let w): return "'\(w)'"
        case .string(let s): return "the string \"\(s)\""
        case .symbol(let s): return "'\(s)'"
        case .end: return "the end of the filter"
        }
    }

    // MARK: tokens

    private mutating func tokenize() throws {
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isLetter || c == "_" {
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." { i += 1 }
                tokens.append((.word(String(chars[start..<i])), start))
            } else if c == "\"" || c == "'" {
                var text = ""
                i += 1
                while true {
                    guard i < chars.count else {
                        throw failure("the string has no closing \(c)", at: start, hint: "end it with \(c)")
                    }
                    if chars[i] == c { i += 1; break }
                    if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == c || chars[i + 1] == "\\" { i += 1 }
                    text.append(chars[i])
                    i += 1
                }
                tokens.append((.string(text), start))
            } else if let two = twoCharacterSymbol(at: i) {
                tokens.append((.symbol(two), start))
                i += 2
            } else if "()[],!=".contains(c) {
                tokens.append((.symbol(String(c)), start))
                i += 1
            } else {
                throw failure("unexpected '\(c)'", at: start,
                              hint: "a filter compares fields with quoted strings: \(example)")
            }
        }
        tokens.append((.end, chars.count))
    }

    private func twoCharacterSymbol(at i: Int) -> String? {
        guard i + 1 < chars.count else { return nil }
        let pair = String(chars[i...i + 1])
        return ["==", "!=", "&&", "||"].contains(pair) ? pair : nil
    }

    /// The one wording of a bad filter: the event, the problem and its column, and the filter with a caret.
    private func failure(_ message: String, at offset: Int, hint: String?) -> RuntimeError {
        let line = source.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ")
        var text = "\(event) filter: \(message) (filter column \(offset + 1))"
        if !line.isEmpty, line.count <= 160 {
            text += "\n    \(line)\n    \(String(repeating: " ", count: min(offset, line.count)))^"
        }
        return RuntimeError(text, hint: hint)
    }
}
