/// Turns the scalars of a source file into tokens, one at a time, on demand.
///
/// The lexer never fails: a malformed literal is reported and still yields a token of the right kind (so the
/// parser does not add a second message about it), and stray characters yield one `.invalid` token per run.
/// Tokens are produced lazily so that a pathological file (10 MB of `(`) costs only what the parser reads
/// before it gives up.
final class Lexer {
    let file: SourceFile
    let s: [Unicode.Scalar]
    let end: Int
    var pos = 0
    var line = 1
    var lineStart = 0
    /// Folds runs of line breaks into one `.newline` token, and drops those at the start of the file.
    var afterNewline = true
    var interpolationDepth = 0
    /// Where the last "unterminated string" was reported, so enclosing strings do not repeat it.
    var unterminatedAt = -1
    private(set) var diagnostics: [Diagnostic] = []
    /// Set when nesting passed the limit: from then on the lexer only returns end of file.
    var abandoned = false
    /// Reading a template (`lexTemplate`): an unclosed `\(` is reported in the template's terms.
    var lexingTemplate = false

    static let nestingLimit = 200

    init(file: SourceFile) {
        self.file = file
        self.s = file.scalars
        self.end = file.scalars.count
        reportInvalidUTF8()
    }

    /// Whether the scalar at `offset` stands for bytes that were not UTF-8 (`invalidUTF8` is sorted).
    private func isInvalidUTF8(at offset: Int) -> Bool {
        let list = file.invalidUTF8
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < list.count && list[lo] == offset
    }

    /// Bytes that were not UTF-8 are an error wherever they stand, strings and comments included: the program
    /// would otherwise run with U+FFFD in place of text it meant. One report per run of bad sequences.
    private func reportInvalidUTF8() {
        var line = 1, lineStart = 0, scanned = 0, previous = -2, reported = 0
        for offset in file.invalidUTF8 {
            defer { previous = offset }
            // A file holds at most 20 reported errors (grammar.md 1.2), so scanning further is wasted.
            if offset == previous + 1 || reported == 20 { continue }
            reported += 1
            while scanned < offset {
                if s[scanned] == "\n" { line += 1; lineStart = scanned + 1 }
                scanned += 1
            }
            report("the file is not valid UTF-8 here", at: loc(line: line, col: offset - lineStart + 1),
                   hint: "save the file as UTF-8 (the bad bytes are shown as U+FFFD)")
        }
    }

    // MARK: - Cursor

    func peek(_ k: Int = 0) -> Unicode.Scalar {
        let i = pos + k
        return i < end ? s[i] : "\0"
    }

    var atEnd: Bool { pos >= end }

    var col: Int { pos - lineStart + 1 }

    /// Consumes a `\n` and starts a new line.
    func consumeLineBreak() {
        pos += 1
        line += 1
        lineStart = pos
    }

    func loc(line: Int, col: Int) -> SourceLoc {
        SourceLoc(file: file, line: line, col: col)
    }

    var here: SourceLoc { loc(line: line, col: col) }

    func report(_ message: String, at loc: SourceLoc, hint: String? = nil) {
        diagnostics.append(Diagnostic(message: message, location: loc, hint: hint, phase: .parse))
    }

    func make(_ kind: TokenKind, from start: Int, line: Int, col: Int) -> Token {
        Token(kind, line: line, col: col, offset: start, length: pos - start)
    }

    // MARK: - Tokens

    /// token = NAME | KEYWORD | INT | FLOAT | DURATION | SIZE | STRING | RAW_STRING | PUNCT | NEWLINE ;
    /// NEWLINE = line_feed { blank | comment | line_feed } ;
    /// The next token; after the end of the file, `.eof` forever.
    func next() -> Token {
        while true {
            skipSpacesAndComments()
            if !atEnd && s[pos] == "\n" {
                let (l, c, start) = (line, col, pos)
                consumeLineBreak()
                if !afterNewline {
                    afterNewline = true
                    return Token(.newline, line: l, col: c, offset: start, length: 1)
                }
                continue
            }
            break
        }
        if atEnd || abandoned {
            return Token(.eof, line: line, col: col, offset: s.count, length: 0)
        }
        afterNewline = false
        let (l, c, start) = (line, col, pos)
        let ch = s[pos]
        if ScalarClass.isIdentStart(ch) {
            if ch == "r" && peek(1) == "\"" {
                pos += 1
                return lexString(start: start, line: l, col: c, raw: true)
            }
            // Local copies keep this hot loop free of per-step property access (it matters in debug builds).
            let text = s, limit = end
            var p = pos + 1
            while p < limit && ScalarClass.isIdentContinue(text[p]) { p += 1 }
            pos = p
            let word = Lexer.asciiString(text[start..<p])
            if let k = Keyword.byName[word] { return make(.keyword(k), from: start, line: l, col: c) }
            return make(.ident(word), from: start, line: l, col: c)
        }
        if ScalarClass.isDigit(ch) { return lexNumber() }
        if ch == "\"" { return lexString(start: start, line: l, col: c, raw: false) }
        if let p = lexPunct() { return make(.punct(p), from: start, line: l, col: c) }
        return lexInvalid()
    }

    /// comment = "#" { any character but a line feed } ;   skipped, with the blanks around tokens.
    func skipSpacesAndComments() {
        let text = s, limit = end
        var p = pos
        defer { pos = p }
        while p < limit {
            let ch = text[p]
            if ch == " " || ch == "\t" || ch == "\r" || ch == "\u{FEFF}" || ch == "\u{0C}" {
                p += 1
            } else if ch == "#" {
                while p < limit && text[p] != "\n" { p += 1 }
            } else {
                return
            }
        }
    }

    /// Operators and punctuation, longest match first.
    func lexPunct() -> Punct? {
        let ch = s[pos], nx = peek(1)
        let two: Punct?
        switch (ch, nx) {
        case ("=", "="): two = .eq
        case ("=", ">"): two = .arrow
        case ("!", "="): two = .ne
        case ("<", "="): two = .le
        case (">", "="): two = .ge
        case ("+", "="): two = .plusAssign
        case ("-", "="): two = .minusAssign
        case ("*", "="): two = .starAssign
        case ("/", "="): two = .slashAssign
        case ("/", "/"): two = .slashSlash
        default: two = nil
        }
        if let two {
            pos += 2
            return two
        }
        guard let one = Lexer.singlePunct(ch) else { return nil }
        pos += 1
        return one
    }

    /// One-character punctuation, by a switch rather than `Punct(rawValue:)`, which would build a string.
    static func singlePunct(_ ch: Unicode.Scalar) -> Punct? {
        switch ch {
        case "(": return .lparen
        case ")": return .rparen
        case "[": return .lbracket
        case "]": return .rbracket
        case "{": return .lbrace
        case "}": return .rbrace
        case ",": return .comma
        case ":": return .colon
        case ";": return .semicolon
        case ".": return .dot
        case "=": return .assign
        case "<": return .lt
        case ">": return .gt
        case "+": return .plus
        case "-": return .minus
        case "*": return .star
        case "/": return .slash
        case "%": return .percent
        default: return nil
        }
    }

    /// Characters that start no token: reported once per run, returned as one `.invalid` token.
    func lexInvalid() -> Token {
        let (l, c, start) = (line, col, pos)
        let ch = s[pos]
        var hint: String? = nil
        switch ch {
        case "!": hint = "use 'not' for negation and '!=' for inequality"
        case "&": hint = "use 'and'"
        case "|": hint = "use 'or'"
        case "$": hint = "interpolation is written \\(expr) inside a string"
        case "'": hint = "strings use double quotes: \"...\""
        case "\u{FFFD}": hint = "the file is not valid UTF-8 here"
        case "\u{201C}", "\u{201D}", "\u{2018}", "\u{2019}": hint = "typographic quotes do not delimit strings: use straight double quotes \"...\""
        default:
            if ch.value > 0x7F && ch.properties.isAlphabetic {
                hint = "names are ASCII letters, digits and _; other letters belong inside strings"
            }
        }
        let shown = ch.properties.isWhitespace || ch.value < 0x20 || ch.value == 0x7F || ch == "\u{FFFD}"
            || !ch.properties.isAlphabetic && !ch.properties.isMath && ch.value > 0x7F
            ? Lexer.codePoint(ch) : "'\(ch)'"
        // Bytes that were not UTF-8 were reported when the lexer started.
        if !(ch == "\u{FFFD}" && isInvalidUTF8(at: start)) {
            report("unexpected character \(shown)", at: loc(line: l, col: c), hint: hint)
        }
        pos += 1
        // Swallow the rest of a run of bad characters: binary junk gives one message, not thousands.
        while !atEnd {
            let d = s[pos]
            if d == "\n" || d == " " || d == "\t" || d == "\"" || ScalarClass.isIdentStart(d) || ScalarClass.isDigit(d) { break }
            if Lexer.singlePunct(d) != nil || d == "#" || d == "\r" { break }
            pos += 1
        }
        return make(.invalid, from: start, line: l, col: c)
    }

}

// MARK: - Character classes

extension Lexer {
    /// The text of an identifier (ASCII only, so one byte per scalar).
    static func asciiString(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        String(unsafeUninitializedCapacity: scalars.count) { buffer in
            var i = 0
            for c in scalars where i < buffer.count {
                buffer[i] = UInt8(truncatingIfNeeded: c.value)
                i += 1
            }
            return i
        }
    }

    /// `U+0000` style name of a character that would not show in a message.
    static func codePoint(_ c: Unicode.Scalar) -> String {
        let hex = String(c.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// The ASCII character classes of the lexical grammar (names, digits); a namespace, so that these short
/// names do not collide with other files of the module.
enum ScalarClass {
    @inline(__always) static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    @inline(__always) static func isLetter(_ c: Unicode.Scalar) -> Bool {
        (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122)
    }
    @inline(__always) static func isIdentStart(_ c: Unicode.Scalar) -> Bool { isLetter(c) || c == "_" }
    @inline(__always) static func isIdentContinue(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || isDigit(c) }
    static func hexValue(_ c: Unicode.Scalar) -> UInt64? {
        switch c.value {
        case 48...57: return UInt64(c.value - 48)
        case 65...70: return UInt64(c.value - 55)
        case 97...102: return UInt64(c.value - 87)
        default: return nil
        }
    }
}
