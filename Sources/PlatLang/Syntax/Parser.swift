/// Parses a whole file. Never throws, never crashes: returns the statements it could recover and up to 20
/// diagnostics (phase .parse), sorted by position. An empty diagnostics list means the program is valid syntax.
/// `declarations` are the declaration forms the file may use (see `DeclarationSpec`); without them, words such
/// as `schedule` are ordinary names.
public func parseProgram(_ file: SourceFile, declarations: [DeclarationSpec] = []) -> (program: Program, diagnostics: [Diagnostic]) {
    var parser = Parser(file: file, declarations: Parser.byKeyword(declarations))
    let statements = parser.parseFile()
    return (Program(file: file, statements: statements), parser.finalDiagnostics())
}

/// Thrown by a parse function after it recorded a diagnostic; the statement loop catches it and recovers.
struct ParseError: Error {}

/// A recursive-descent parser for `.plat`, one function per grammar rule (see grammar.md).
///
/// Tokens come lazily from a `Lexer` (or, for a `\( ... )` interpolation, from a token list the lexer already
/// produced). Errors are recorded, then thrown to the innermost statement loop, which skips to the next
/// statement boundary and goes on, so one run reports every independent error.
struct Parser {
    let file: SourceFile
    let lexer: Lexer?
    /// The declaration forms this file may use, by keyword.
    let declarations: [String: DeclarationSpec]
    /// Lookahead window: `buffer[index]` is the current token.
    var buffer: [Token] = []
    var index = 0
    /// Counts consumed tokens, so recovery can prove it made progress.
    var consumed = 0
    var diagnostics: [Diagnostic] = []
    /// Diagnostics already counted elsewhere (an interpolation's sub-parser counts its parent's).
    var inheritedErrorCount = 0
    /// Nesting of expressions and blocks, limited so that no input can overflow the stack.
    var depth = 0
    /// Inside `( )`, `[ ]` and map braces line breaks mean nothing; blocks switch them back on.
    var skipNewlines = false
    /// Brackets opened since the current statement began, and those that were open when the last error hit.
    var openBrackets: [Punct] = []
    var bracketsAtError: [Punct] = []
    /// Set on "nested too deeply" or when the error cap is reached: parsing stops.
    var stopped = false
    var lastErrorPosition: (Int32, Int32)? = nil
    /// The last consumed token's position, used as the end of blocks and arrow bodies.
    var previous: Token
    /// How the end of input is quoted: "end of file", or "')'" inside an interpolation.
    var endDescription = "end of file"

    static let maxDiagnostics = 20
    static let nestingLimit = 200

    init(file: SourceFile, declarations: [String: DeclarationSpec] = [:]) {
        self.file = file
        self.lexer = Lexer(file: file)
        self.declarations = declarations
        self.previous = Token(.eof, line: 1, col: 1, offset: 0, length: 0)
    }

    /// A parser over the tokens of one interpolation; `end` stands in for end of input (the closing `)`).
    init(file: SourceFile, declarations: [String: DeclarationSpec], tokens: [Token], end: Token, depth: Int,
         inheritedErrorCount: Int) {
        self.file = file
        self.lexer = nil
        self.declarations = declarations
        self.buffer = tokens + [Token(.eof, line: Int(end.line), col: Int(end.col), offset: end.offset, length: 0)]
        self.depth = depth
        self.inheritedErrorCount = inheritedErrorCount
        self.skipNewlines = true
        self.previous = end
        self.endDescription = "')'"
    }

    /// The specs by keyword. Two specs may not share a keyword: that is a mistake in how the host put its
    /// modules together, not in the file.
    static func byKeyword(_ specs: [DeclarationSpec]) -> [String: DeclarationSpec] {
        var table: [String: DeclarationSpec] = [:]
        for spec in specs {
            precondition(table[spec.keyword] == nil, "two declaration specs use the keyword '\(spec.keyword)'")
            table[spec.keyword] = spec
        }
        return table
    }

    /// file = statements EOF ;
    mutating func parseFile() -> [Stmt] {
        parseStatements(inBlock: false)
    }

    /// Lexer and parser diagnostics, in source order, at most 20.
    func finalDiagnostics() -> [Diagnostic] {
        let all = (lexer?.diagnostics ?? []) + diagnostics
        let sorted = all.enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            let ka = (la?.line ?? 0, la?.col ?? 0), kb = (lb?.line ?? 0, lb?.col ?? 0)
            return ka != kb ? ka < kb : a.offset < b.offset
        }
        return Array(sorted.map(\.element).prefix(Parser.maxDiagnostics))
    }

    var errorCount: Int { inheritedErrorCount + diagnostics.count + (lexer?.diagnostics.count ?? 0) }

    // MARK: - Tokens

    /// Makes sure `buffer` holds at least `n + 1` tokens from `index`.
    mutating func fill(_ n: Int) {
        while buffer.count <= index + n {
            if let t = lexer?.next() {
                buffer.append(t)
                if lexer?.abandoned == true { stopped = true }
            } else {
                buffer.append(buffer.last ?? Token(.eof, line: 1, col: 1, offset: 0, length: 0))
            }
        }
    }

    /// The current token. Inside brackets, line breaks are skipped here, so they never reach a rule.
    mutating func peek() -> Token {
        fill(0)
        if skipNewlines {
            while buffer[index].isNewline {
                index += 1
                fill(0)
            }
        }
        return buffer[index]
    }

    /// The token `n` places after the current one (line breaks skipped inside brackets).
    mutating func peek(ahead n: Int) -> Token {
        _ = peek()
        var i = index
        var remaining = n
        while true {
            fill(i + 1 - index)
            i += 1
            if skipNewlines && buffer[i].isNewline { continue }
            remaining -= 1
            if remaining == 0 { return buffer[i] }
        }
    }

    /// Consumes and returns the current token.
    @discardableResult
    mutating func advance() -> Token {
        let t = peek()
        if !t.isEOF {
            index += 1
            consumed += 1
            previous = t
            // Drop consumed tokens now and then: a huge file must not be held as tokens.
            if index >= 512 && lexer != nil {
                buffer.removeFirst(index)
                index = 0
            }
        }
        return t
    }

    /// Consumes line breaks where the grammar allows them (after a binary operator, a `,`, `=>`).
    mutating func skipLineBreaks() {
        while peek().isNewline { advance() }
    }

    /// Enters `( )`, `[ ]` or map braces, where line breaks mean nothing; returns what `closeBracket` restores.
    mutating func openBracket(_ open: Token) -> Bool {
        let saved = skipNewlines
        skipNewlines = true
        if case .punct(let p) = open.kind { openBrackets.append(p) }
        return saved
    }

    mutating func closeBracket(_ savedSkip: Bool) {
        skipNewlines = savedSkip
        _ = openBrackets.popLast()
    }

    mutating func check(_ p: Punct) -> Bool { peek().isPunct(p) }
    mutating func check(_ k: Keyword) -> Bool { peek().isKeyword(k) }

    mutating func accept(_ p: Punct) -> Bool {
        if check(p) {
            advance()
            return true
        }
        return false
    }

    func loc(_ t: Token) -> SourceLoc { SourceLoc(file: file, line: Int(t.line), col: Int(t.col)) }

    func position(_ t: Token) -> String { "\(t.line):\(t.col)" }

    func describe(_ t: Token) -> String { t.isEOF ? endDescription : t.describe(in: file) }

    // MARK: - Errors

    /// Records a diagnostic at `token` (unless the lexer already reported it) and returns the error to throw.
    mutating func error(_ message: String, at token: Token, hint: String? = nil) -> ParseError {
        bracketsAtError = openBrackets
        if case .invalid = token.kind { return ParseError() }
        record(message, at: token, hint: hint)
        return ParseError()
    }

    /// "expected X, found Y" at the current token.
    mutating func expected(_ what: String, hint: String? = nil) -> ParseError {
        let t = peek()
        return error("expected \(what), found \(describe(t))", at: t, hint: hint)
    }

    /// Records without throwing (for errors the parser can step over, like a bad assignment target).
    mutating func record(_ message: String, at token: Token, hint: String? = nil) {
        let key = (token.line, token.col)
        if let last = lastErrorPosition, last == key { return }
        lastErrorPosition = key
        diagnostics.append(Diagnostic(message: message, location: loc(token), hint: hint, phase: .parse))
        if errorCount >= Parser.maxDiagnostics { stopped = true }
    }

    /// Consumes `p` or throws "expected 'p' <context>, found ...".
    @discardableResult
    mutating func expect(_ p: Punct, _ context: String, hint: String? = nil) throws -> Token {
        if check(p) { return advance() }
        throw expected("'\(p.rawValue)' \(context)", hint: hint)
    }

    /// Counts one level of nesting; past the limit, reports once and stops the parse.
    mutating func enter() throws {
        depth += 1
        if depth > Parser.nestingLimit {
            let t = peek()
            record("nested too deeply (limit \(Parser.nestingLimit))", at: t,
                   hint: "split the expression or block into smaller pieces with variables or functions")
            stopped = true
            throw ParseError()
        }
    }

    // MARK: - Recovery

    /// Skips to the next statement boundary after an error: a line break or `;` outside any bracket, or the
    /// `}` that closes the current block. Brackets opened while skipping are matched as they close; those
    /// left open before the error are closed if their closer shows up. Unless a brace opened while skipping is
    /// still open, a line that starts with a statement keyword or a `}` ends the skip anyway: the closer of an
    /// open `(` or `[` may simply be missing, and the next line should not be swallowed.
    mutating func synchronize() {
        skipNewlines = false
        var outer = bracketsAtError
        var inner: [Punct] = []
        while !stopped {
            let t = peek()
            switch t.kind {
            case .eof:
                return
            case .newline, .punct(.semicolon):
                if !inner.contains(.lbrace) {
                    if inner.isEmpty && outer.isEmpty {
                        advance()
                        return
                    }
                    if t.isNewline {
                        let next = peek(ahead: 1)
                        if next.isPunct(.rbrace) || Parser.startsStatement(next) {
                            advance()
                            return
                        }
                    }
                }
            case .punct(let p) where p == .lparen || p == .lbracket || p == .lbrace:
                inner.append(p)
                if inner.count > Parser.nestingLimit {
                    record("nested too deeply (limit \(Parser.nestingLimit))", at: t)
                    stopped = true
                    return
                }
            case .punct(let p) where p == .rparen || p == .rbracket || p == .rbrace:
                if let i = inner.lastIndex(where: { Parser.closer(of: $0) == p }) {
                    inner.removeSubrange(i...)
                } else if let i = outer.lastIndex(where: { Parser.closer(of: $0) == p }) {
                    inner = []
                    outer.removeSubrange(i...)
                } else if p == .rbrace {
                    return  // the end of the current block, left for the block to consume
                }
            default:
                break
            }
            advance()
        }
    }

    static func closer(of open: Punct) -> Punct {
        switch open {
        case .lparen: return .rparen
        case .lbracket: return .rbracket
        default: return .rbrace
        }
    }

    /// Keywords that can only begin a statement: a line starting with one is a safe place to resume.
    static func startsStatement(_ t: Token) -> Bool {
        guard case .keyword(let k) = t.kind else { return false }
        switch k {
        case .kwLet, .kwVar, .kwFn, .kwIf, .kwFor, .kwWhile, .kwReturn, .kwBreak, .kwContinue, .kwPlan, .kwStep,
             .kwTry, .kwAssert, .kwImport:
            return true
        default:
            return false
        }
    }

    // MARK: - Interpolation

    /// interpolation = "\(" expression ")" ;
    /// Parses the tokens of one `\( ... )` with a sub-parser that shares this parser's limits. On an error
    /// (already recorded) it returns nil: the string token itself is intact, so the statement goes on.
    mutating func parseInterpolation(tokens: [Token], open: Token, close: Token) -> Expr? {
        var sub = Parser(file: file, declarations: declarations, tokens: tokens, end: close, depth: depth,
                         inheritedErrorCount: errorCount)
        var result: Expr? = nil
        if tokens.isEmpty {
            sub.record("expected an expression inside '\\( )'", at: open, hint: "write the value to insert, as in \\(name)")
        } else {
            do {
                let e = try sub.parseExpr()
                if !sub.peek().isEOF {
                    throw sub.expected("')' to close the interpolation started at \(position(open))")
                }
                result = e
            } catch {}
        }
        diagnostics.append(contentsOf: sub.diagnostics)
        if sub.stopped || errorCount >= Parser.maxDiagnostics { stopped = true }
        return result
    }
}
