/// One lexical unit of a `.plat` file: what it is, where it starts, and which source text it covers.
struct Token {
    var kind: TokenKind
    /// 1-based line and column (in unicode scalars) of the token's first character.
    var line: Int32
    var col: Int32
    /// Offset and length in `SourceFile.scalars`, so messages can quote a literal as the user wrote it.
    var offset: Int
    var length: Int

    init(_ kind: TokenKind, line: Int, col: Int, offset: Int, length: Int) {
        self.kind = kind
        self.line = Int32(truncatingIfNeeded: line)
        self.col = Int32(truncatingIfNeeded: col)
        self.offset = offset
        self.length = length
    }
}

/// The kinds of token; literals carry their value, already checked and converted by the lexer.
enum TokenKind {
    case eof
    /// One or more line breaks (blank lines and comment lines are folded into one token).
    case newline
    /// Characters the lexer already reported; the parser stays silent about them to avoid a second message.
    case invalid
    case ident(String)
    case keyword(Keyword)
    /// The magnitude of an integer literal: 2^63 fits so that `-9223372036854775808` can be written.
    case int(UInt64)
    case float(Double)
    /// Milliseconds.
    case duration(Int64)
    /// Bytes.
    case size(Int64)
    case string([StringPart])
    case punct(Punct)
}

/// A piece of a string literal as lexed: text, or the tokens of one `\( ... )` interpolation.
enum StringPart {
    case text(String)
    /// `open` is the position of the `\(`; `close` the position of its `)` (where a sub-parser's end of input is).
    case code(tokens: [Token], open: Token, close: Token)
}

/// Reserved words: they can never name a variable.
enum Keyword: String, CaseIterable {
    case kwLet = "let", kwVar = "var", kwFn = "fn", kwReturn = "return", kwIf = "if", kwElse = "else"
    case kwFor = "for", kwIn = "in", kwWhile = "while", kwBreak = "break", kwContinue = "continue"
    case kwTrue = "true", kwFalse = "false", kwNil = "nil", kwAnd = "and", kwOr = "or", kwNot = "not"
    case kwTry = "try", kwCatch = "catch", kwAssert = "assert", kwImport = "import", kwAs = "as"
    case kwPlan = "plan", kwStep = "step"

    static let byName: [String: Keyword] = {
        var table: [String: Keyword] = [:]
        for k in Keyword.allCases { table[k.rawValue] = k }
        return table
    }()
}

/// Operators and punctuation, spelled as in the source.
enum Punct: String {
    case lparen = "(", rparen = ")", lbracket = "[", rbracket = "]", lbrace = "{", rbrace = "}"
    case comma = ",", colon = ":", semicolon = ";", dot = ".", arrow = "=>"
    case assign = "=", plusAssign = "+=", minusAssign = "-=", starAssign = "*=", slashAssign = "/="
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case plus = "+", minus = "-", star = "*", slash = "/", slashSlash = "//", percent = "%"
}

extension Token {
    func isPunct(_ p: Punct) -> Bool {
        if case .punct(let q) = kind { return q == p }
        return false
    }

    func isKeyword(_ k: Keyword) -> Bool {
        if case .keyword(let q) = kind { return q == k }
        return false
    }

    var isNewline: Bool {
        if case .newline = kind { return true }
        return false
    }

    var isEOF: Bool {
        if case .eof = kind { return true }
        return false
    }

    /// A name usable as a label (member name, map key, named argument): an identifier or a keyword other
    /// than the literals `true`, `false` and `nil`, which are never mistaken for labels.
    var labelName: String? {
        switch kind {
        case .ident(let name): return name
        case .keyword(let k) where k != .kwTrue && k != .kwFalse && k != .kwNil: return k.rawValue
        default: return nil
        }
    }

    /// The token as an error message quotes it: `'foo'`, `')'`, `end of line`.
    func describe(in file: SourceFile) -> String {
        switch kind {
        case .eof: return "end of file"
        case .newline: return "end of line"
        case .invalid: return "an invalid character"
        case .ident(let name): return "'\(name)'"
        case .keyword(let k): return "'\(k.rawValue)'"
        case .punct(let p): return "'\(p.rawValue)'"
        case .string: return "a string"
        case .int, .float, .duration, .size:
            let end = min(offset + length, file.scalars.count)
            guard offset >= 0, offset < end else { return "a number" }
            var text = String(String.UnicodeScalarView(file.scalars[offset..<min(end, offset + 24)]))
            if end - offset > 24 { text += "..." }
            return "'\(text)'"
        }
    }
}
