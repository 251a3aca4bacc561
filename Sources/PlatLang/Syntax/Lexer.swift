/// Turns the scalars of a source file into tokens, one at a time, on demand.
///
/// The lexer never fails: a malformed literal is reported and still yields a token of the right kind (so the
/// parser does not add a second message about it), and stray characters yield one `.invalid` token per run.
/// Tokens are produced lazily so that a pathological file (10 MB of `(`) costs only what the parser reads
/// before it gives up.
final class Lexer {
    let file: SourceFile
    private let s: [Unicode.Scalar]
    private let end: Int
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    /// Folds runs of line breaks into one `.newline` token, and drops those at the start of the file.
    private var afterNewline = true
    private var interpolationDepth = 0
    /// Where the last "unterminated string" was reported, so enclosing strings do not repeat it.
    private var unterminatedAt = -1
    private(set) var diagnostics: [Diagnostic] = []
    /// Set when nesting passed the limit: from then on the lexer only returns end of file.
    private(set) var abandoned = false

    static let nestingLimit = 200

    init(file: SourceFile) {
        self.file = file
        self.s = file.scalars
        self.end = file.scalars.count
    }

    // MARK: - Cursor

    private func peek(_ k: Int = 0) -> Unicode.Scalar {
        let i = pos + k
        return i < end ? s[i] : "\0"
    }

    private var atEnd: Bool { pos >= end }

    private var col: Int { pos - lineStart + 1 }

    /// Consumes a `\n` and starts a new line.
    private func consumeLineBreak() {
        pos += 1
        line += 1
        lineStart = pos
    }

    private func loc(line: Int, col: Int) -> SourceLoc {
        SourceLoc(file: file, line: line, col: col)
    }

    private var here: SourceLoc { loc(line: line, col: col) }

    private func report(_ message: String, at loc: SourceLoc, hint: String? = nil) {
        diagnostics.append(Diagnostic(message: message, location: loc, hint: hint, phase: .parse))
    }

    private func make(_ kind: TokenKind, from start: Int, line: Int, col: Int) -> Token {
        Token(kind, line: line, col: col, offset: start, length: pos - start)
    }

    // MARK: - Tokens

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
        if isIdentStart(ch) {
            if ch == "r" && peek(1) == "\"" {
                pos += 1
                return lexString(start: start, line: l, col: c, raw: true)
            }
            // Local copies keep this hot loop free of per-step property access (it matters in debug builds).
            let text = s, limit = end
            var p = pos + 1
            while p < limit && isIdentContinue(text[p]) { p += 1 }
            pos = p
            let word = Lexer.asciiString(text[start..<p])
            if let k = Keyword.byName[word] { return make(.keyword(k), from: start, line: l, col: c) }
            return make(.ident(word), from: start, line: l, col: c)
        }
        if isDigit(ch) { return lexNumber() }
        if ch == "\"" { return lexString(start: start, line: l, col: c, raw: false) }
        if let p = lexPunct() { return make(.punct(p), from: start, line: l, col: c) }
        return lexInvalid()
    }

    private func skipSpacesAndComments() {
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
    private func lexPunct() -> Punct? {
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
    private func lexInvalid() -> Token {
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
        default: break
        }
        let shown = ch.properties.isWhitespace || ch.value < 0x20 || ch.value == 0x7F || ch == "\u{FFFD}"
            || !ch.properties.isAlphabetic && !ch.properties.isMath && ch.value > 0x7F
            ? Lexer.codePoint(ch) : "'\(ch)'"
        report("unexpected character \(shown)", at: loc(line: l, col: c), hint: hint)
        pos += 1
        // Swallow the rest of a run of bad characters: binary junk gives one message, not thousands.
        while !atEnd {
            let d = s[pos]
            if d == "\n" || d == " " || d == "\t" || d == "\"" || isIdentStart(d) || isDigit(d) { break }
            if Lexer.singlePunct(d) != nil || d == "#" || d == "\r" { break }
            pos += 1
        }
        return make(.invalid, from: start, line: l, col: c)
    }

    // MARK: - Numbers, durations, sizes

    private static let durationUnits: [(name: String, ms: Int64)] =
        [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)]
    private static let sizeUnits: [String: Int64] = [
        "B": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
        "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
    ]
    static let unitHint = "units are d h m s ms (durations, combinable as in 1h30m) and B KB MB GB TB KiB MiB GiB TiB (sizes)"

    /// `number = INT | FLOAT | DURATION | SIZE`; reads the literal and any unit glued to it.
    private func lexNumber() -> Token {
        let (l, c, start) = (line, col, pos)
        let startLoc = here
        if s[pos] == "0", peek(1) == "x" || peek(1) == "o" || peek(1) == "b" {
            return lexRadixNumber(start: start, line: l, col: c)
        }
        var text = scanDigits()
        var isFloat = false
        if peek() == ".", isDigit(peek(1)) {
            pos += 1
            text += "." + scanDigits()
            isFloat = true
        }
        if peek() == "e" || peek() == "E" {
            let sign = peek(1) == "+" || peek(1) == "-"
            if isDigit(peek(sign ? 2 : 1)) {
                text += "e"
                if sign { text.unicodeScalars.append(peek(1)) }
                pos += sign ? 2 : 1
                text += scanDigits()
                isFloat = true
            }
        }
        var suffix = ""
        let suffixLoc = here
        if !atEnd && isIdentStart(s[pos]) {
            let from = pos
            while !atEnd && isIdentContinue(s[pos]) { pos += 1 }
            suffix = String(String.UnicodeScalarView(s[from..<pos]))
        }
        if isFloat {
            let value = Double(text) ?? 0
            if !value.isFinite { report("float literal is too large", at: startLoc) }
            if suffix.isEmpty { return make(.float(value.isFinite ? value : 0), from: start, line: l, col: c) }
            return fractionalUnit(value, suffix: suffix, at: startLoc, from: start, line: l, col: c)
        }
        guard let magnitude = UInt64(text), magnitude <= 1 << 63 else {
            report("integer literal is too large", at: startLoc, hint: "integers are 64-bit: at most 9223372036854775807")
            return make(suffix.isEmpty ? .int(0) : .duration(0), from: start, line: l, col: c)
        }
        if suffix.isEmpty { return make(.int(magnitude), from: start, line: l, col: c) }
        let kind = unitLiteral(first: magnitude, suffix: suffix, literalLoc: startLoc, suffixLoc: suffixLoc)
        return make(kind, from: start, line: l, col: c)
    }

    /// Decimal digits with `_` separators between them; returns the digits without separators.
    private func scanDigits() -> String {
        var out = ""
        var lastUnderscore = false
        while !atEnd {
            let ch = s[pos]
            if isDigit(ch) {
                out.unicodeScalars.append(ch)
                lastUnderscore = false
            } else if ch == "_" && !out.isEmpty {
                lastUnderscore = true
            } else {
                break
            }
            pos += 1
        }
        if lastUnderscore { report("'_' in a number must be between digits", at: loc(line: line, col: col - 1)) }
        return out
    }

    /// `0xff`, `0o17`, `0b1010`.
    private func lexRadixNumber(start: Int, line l: Int, col c: Int) -> Token {
        let startLoc = here
        let letter = s[pos + 1]
        let (radix, name): (UInt64, String) = letter == "x" ? (16, "hexadecimal") : letter == "o" ? (8, "octal") : (2, "binary")
        pos += 2
        var value: UInt64 = 0
        var digits = 0
        var bad: Unicode.Scalar? = nil
        var overflow = false
        var misplacedUnderscore = false
        var lastUnderscore = false
        while !atEnd && isIdentContinue(s[pos]) {
            let ch = s[pos]
            pos += 1
            lastUnderscore = ch == "_"
            if ch == "_" {
                if digits == 0 { misplacedUnderscore = true }
                continue
            }
            guard let d = hexValue(ch), d < radix else {
                if bad == nil { bad = ch }
                continue
            }
            digits += 1
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (a, o2) = m.addingReportingOverflow(d)
            overflow = overflow || o1 || o2
            value = a
        }
        if misplacedUnderscore || lastUnderscore { report("'_' in a number must be between digits", at: startLoc) }
        if let bad {
            report("invalid digit '\(bad)' in a \(name) literal", at: startLoc)
            value = 0
        } else if digits == 0 {
            report("expected \(name) digits after '0\(letter)'", at: startLoc)
        } else if overflow || value > 1 << 63 {
            report("integer literal is too large", at: startLoc, hint: "integers are 64-bit: at most 9223372036854775807")
            value = 0
        }
        return make(.int(value), from: start, line: l, col: c)
    }

    /// A duration (`1h30m`, components in decreasing order) or a size (`20MB`) after an integer.
    private func unitLiteral(first: UInt64, suffix: String, literalLoc: SourceLoc, suffixLoc: SourceLoc) -> TokenKind {
        // Split "h30m" into units and the numbers between them.
        var components: [(value: UInt64, unit: String)] = []
        var value = first
        let chars = Array(suffix.unicodeScalars)
        var i = 0
        while i < chars.count {
            var unit = ""
            while i < chars.count && isLetter(chars[i]) { unit.unicodeScalars.append(chars[i]); i += 1 }
            if unit.isEmpty {
                report("unknown unit '\(suffix)'", at: suffixLoc, hint: Lexer.unitHint)
                return .int(first)
            }
            components.append((value, unit))
            if i == chars.count { break }
            var digits = ""
            while i < chars.count && (isDigit(chars[i]) || chars[i] == "_") {
                if chars[i] != "_" { digits.unicodeScalars.append(chars[i]) }
                i += 1
            }
            guard let v = UInt64(digits) else {
                report("unknown unit '\(suffix)'", at: suffixLoc, hint: Lexer.unitHint)
                return .int(first)
            }
            if i == chars.count {
                report("missing unit after '\(digits)' in a duration", at: suffixLoc, hint: "write every part with its unit, as in 1h30m")
                return .duration(0)
            }
            value = v
        }
        if let factor = Lexer.sizeUnits[components[0].unit] {
            if components.count > 1 {
                report("a size literal has a single unit", at: suffixLoc, hint: "write it in the smaller unit, as in 1500MB")
                return .size(0)
            }
            let (bytes, o) = Int64(clamping: first).multipliedReportingOverflow(by: factor)
            if o || first > UInt64(Int64.max) {
                report("size literal is too large", at: literalLoc)
                return .size(0)
            }
            return .size(bytes)
        }
        var total: Int64 = 0
        var lastRank = -1
        for comp in components {
            guard let rank = Lexer.durationUnits.firstIndex(where: { $0.name == comp.unit }) else {
                let isSize = Lexer.sizeUnits[comp.unit] != nil
                report(isSize ? "a duration cannot contain the size unit '\(comp.unit)'" : "unknown unit '\(comp.unit)'",
                       at: suffixLoc, hint: isSize ? nil : unitHintWithGuess(comp.unit))
                return .duration(0)
            }
            if rank <= lastRank {
                report("duration units must go from largest to smallest, each at most once",
                       at: suffixLoc, hint: "units in order: d h m s ms, as in 1h30m or 1m30s500ms")
                return .duration(0)
            }
            lastRank = rank
            let (part, o1) = Int64(clamping: comp.value).multipliedReportingOverflow(by: Lexer.durationUnits[rank].ms)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 || comp.value > UInt64(Int64.max) {
                report("duration literal is too large", at: literalLoc)
                return .duration(0)
            }
            total = sum
        }
        return .duration(total)
    }

    /// The unit list, led by a guess when one is likely (a case slip like `1H`, or a longer misspelling).
    private func unitHintWithGuess(_ unit: String) -> String {
        let all = Lexer.durationUnits.map(\.name) + Lexer.sizeUnits.keys.sorted()
        let guess = all.first { $0.lowercased() == unit.lowercased() }
            ?? (unit.count >= 3 ? closestName(to: unit, in: all) : nil)
        if let guess { return "did you mean '\(guess)'? " + Lexer.unitHint }
        return Lexer.unitHint
    }

    /// `1.5h` and `1.5GB` are errors; the hint spells the same amount in whole units.
    private func fractionalUnit(_ value: Double, suffix: String, at startLoc: SourceLoc,
                                         from start: Int, line l: Int, col c: Int) -> Token {
        if let unit = Lexer.durationUnits.first(where: { $0.name == suffix }) {
            let ms = value * Double(unit.ms)
            let exact = ms.rounded() == ms && abs(ms) < 9e18
            let hint = exact ? "write \(Lexer.durationText(Int64(ms)))" : "write it with whole numbers of smaller units, as in 1h30m"
            report("a duration is written with whole numbers", at: startLoc, hint: hint)
            return make(.duration(exact ? Int64(ms) : 0), from: start, line: l, col: c)
        }
        if let factor = Lexer.sizeUnits[suffix] {
            let bytes = value * Double(factor)
            let exact = bytes.rounded() == bytes && abs(bytes) < 9e18
            let hint = exact ? "write \(Lexer.sizeText(Int64(bytes), binary: suffix.contains("i")))" : "write it as a whole number of a smaller unit"
            report("a size is written with whole numbers", at: startLoc, hint: hint)
            return make(.size(exact ? Int64(bytes) : 0), from: start, line: l, col: c)
        }
        report("unknown unit '\(suffix)'", at: startLoc, hint: unitHintWithGuess(suffix))
        return make(.float(value.isFinite ? value : 0), from: start, line: l, col: c)
    }

    /// Canonical duration text for hints: `1h30m`.
    static func durationText(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms, out = ""
        for unit in durationUnits where rest >= unit.ms {
            out += "\(rest / unit.ms)\(unit.name)"
            rest %= unit.ms
        }
        return out
    }

    /// A size in its largest exact unit of the same family (decimal or binary), for hints.
    static func sizeText(_ bytes: Int64, binary: Bool) -> String {
        let family = binary ? ["TiB", "GiB", "MiB", "KiB"] : ["TB", "GB", "MB", "KB"]
        for name in family {
            if let f = sizeUnits[name], bytes % f == 0, bytes != 0 { return "\(bytes / f)\(name)" }
        }
        return "\(bytes)B"
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

@inline(__always) func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
@inline(__always) func isLetter(_ c: Unicode.Scalar) -> Bool {
    (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122)
}
@inline(__always) func isIdentStart(_ c: Unicode.Scalar) -> Bool { isLetter(c) || c == "_" }
@inline(__always) func isIdentContinue(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || isDigit(c) }
func hexValue(_ c: Unicode.Scalar) -> UInt64? {
    switch c.value {
    case 48...57: return UInt64(c.value - 48)
    case 65...70: return UInt64(c.value - 55)
    case 97...102: return UInt64(c.value - 87)
    default: return nil
    }
}

// MARK: - Strings

/// Collects the parts of a string literal, merging adjacent text.
private struct PartsBuilder {
    var parts: [StringPart] = []
    var text = ""

    mutating func append(_ c: Unicode.Scalar) { text.unicodeScalars.append(c) }

    mutating func append<S: Sequence>(contentsOf scalars: S) where S.Element == Unicode.Scalar {
        text.unicodeScalars.append(contentsOf: scalars)
    }

    mutating func appendCode(_ tokens: [Token], open: Token, close: Token) {
        flush()
        parts.append(.code(tokens: tokens, open: open, close: close))
    }

    mutating func append(_ other: PartsBuilder) {
        for part in other.parts {
            if case .text(let t) = part { text += t } else { flush(); parts.append(part) }
        }
        text += other.text
    }

    mutating func flush() {
        if !text.isEmpty { parts.append(.text(text)) }
        text = ""
    }

    mutating func finish() -> [StringPart] {
        flush()
        return parts.isEmpty ? [.text("")] : parts
    }
}

extension Lexer {
    static let escapeHint = #"escapes are \n \t \r \0 \\ \" \' \u{1F600} and \(expr) for interpolation; a raw string r"..." keeps backslashes"#

    private func isTripleQuote() -> Bool { peek() == "\"" && peek(1) == "\"" && peek(2) == "\"" }

    /// `string = '"' { char | escape | interpolation } '"'`, its raw form `r"..."`, and the `"""` forms.
    /// `pos` is at the opening quote; `start` at the `r` of a raw string.
    func lexString(start: Int, line l: Int, col c: Int, raw: Bool) -> Token {
        let openLoc = loc(line: l, col: c)
        if isTripleQuote() {
            let parts = lexMultilineString(raw: raw, openLoc: openLoc)
            return make(.string(parts), from: start, line: l, col: c)
        }
        pos += 1
        var b = PartsBuilder()
        while true {
            if atEnd || s[pos] == "\n" {
                reportUnterminated(at: pos, openLoc: openLoc, multiline: false)
                break
            }
            let ch = s[pos]
            if ch == "\"" {
                pos += 1
                break
            }
            if ch == "\\" && !raw {
                if !lexEscape(into: &b, multiline: false, openLoc: openLoc) { break }
            } else {
                b.append(ch)
                pos += 1
            }
        }
        return make(.string(b.finish()), from: start, line: l, col: c)
    }

    /// Reports an unterminated string once, even when strings nested in interpolations end at the same spot.
    private func reportUnterminated(at offset: Int, openLoc: SourceLoc, multiline: Bool) {
        guard !abandoned, unterminatedAt != offset else { return }
        unterminatedAt = offset
        if multiline {
            report("unterminated multi-line string", at: openLoc, hint: #"close it with """ on a line of its own"#)
        } else {
            report("unterminated string", at: openLoc,
                   hint: #"close it with " on the same line; a string over several lines is written """ ... """"#)
        }
    }

    /// One `\` sequence inside a string, `pos` at the backslash. Returns false when the string cannot go on
    /// (an interpolation that never closed), after reporting it.
    private func lexEscape(into b: inout PartsBuilder, multiline: Bool, openLoc: SourceLoc) -> Bool {
        let escLoc = here
        let backslash = pos
        pos += 1
        guard !atEnd else { return true }
        let ch = s[pos]
        switch ch {
        case "n": b.append("\n")
        case "t": b.append("\t")
        case "r": b.append("\r")
        case "0": b.append("\0")
        case "\\", "\"", "'": b.append(ch)
        case "u":
            pos += 1
            lexUnicodeEscape(into: &b, escLoc: escLoc)
            return true
        case "(":
            return lexInterpolation(into: &b, backslash: backslash, escLoc: escLoc, multiline: multiline, openLoc: openLoc)
        case "\n":
            if multiline { report("a '\\' cannot end a line in a string", at: escLoc, hint: Lexer.escapeHint) }
            return true
        default:
            let shown = ch.isASCII && ch.value >= 0x20 ? "\\\(ch)" : "\\ followed by \(Lexer.codePoint(ch))"
            report("unknown escape '\(shown)'", at: escLoc, hint: Lexer.escapeHint)
        }
        pos += 1
        return true
    }

    /// `\u{1F600}`: one to eight hex digits naming a unicode scalar; `pos` is after the `u`.
    private func lexUnicodeEscape(into b: inout PartsBuilder, escLoc: SourceLoc) {
        let hint = #"write a unicode escape as \u{1F600}"#
        guard peek() == "{" else {
            report("expected '{' after \\u", at: escLoc, hint: hint)
            return
        }
        pos += 1
        var value: UInt32 = 0
        var count = 0
        while let d = hexValue(peek()) {
            if count < 8 { value = value &* 16 &+ UInt32(d) }
            count += 1
            pos += 1
        }
        guard peek() == "}" else {
            report("expected '}' to close the unicode escape", at: escLoc, hint: hint)
            return
        }
        pos += 1
        if count == 0 {
            report("empty unicode escape", at: escLoc, hint: hint)
        } else if count > 8 {
            report("unicode escape has more than 8 hex digits", at: escLoc, hint: hint)
        } else if let scalar = Unicode.Scalar(value) {
            b.append(scalar)
        } else {
            report("\\u{\(String(value, radix: 16, uppercase: true))} is not a unicode scalar", at: escLoc,
                   hint: "scalars go up to 10FFFF and exclude the surrogates D800-DFFF")
        }
    }

    /// `interpolation = "\(" expression ")"`: lexes the tokens up to the matching `)`; the parser parses them.
    private func lexInterpolation(into b: inout PartsBuilder, backslash: Int, escLoc: SourceLoc,
                                           multiline: Bool, openLoc: SourceLoc) -> Bool {
        let open = Token(.punct(.lparen), line: Int(escLoc.line), col: Int(escLoc.col), offset: backslash, length: 2)
        pos += 1
        interpolationDepth += 1
        defer { interpolationDepth -= 1 }
        if interpolationDepth > Lexer.nestingLimit {
            report("nested too deeply (limit \(Lexer.nestingLimit))", at: escLoc)
            abandoned = true
            return false
        }
        let savedAfterNewline = afterNewline
        defer { afterNewline = savedAfterNewline }
        afterNewline = false
        var tokens: [Token] = []
        var depth = 0
        while true {
            let saved = (pos, line, lineStart)
            let tok = next()
            switch tok.kind {
            case .eof:
                reportUnterminated(at: tok.offset, openLoc: openLoc, multiline: multiline)
                return false
            case .newline where !multiline:
                (pos, line, lineStart) = saved
                reportUnterminated(at: tok.offset, openLoc: openLoc, multiline: false)
                return false
            case .punct(.lparen):
                depth += 1
            case .punct(.rparen):
                if depth == 0 {
                    b.appendCode(tokens, open: open, close: tok)
                    return true
                }
                depth -= 1
            default:
                break
            }
            tokens.append(tok)
        }
    }

    /// `"""` NEWLINE { line } INDENT `"""`: the closing delimiter's indentation is removed from every line.
    private func lexMultilineString(raw: Bool, openLoc: SourceLoc) -> [StringPart] {
        pos += 3
        while peek() == " " || peek() == "\t" || peek() == "\r" { pos += 1 }
        if atEnd {
            reportUnterminated(at: pos, openLoc: openLoc, multiline: true)
            return [.text("")]
        }
        // Text right after the opening quotes is an error; that first line is then kept as written.
        let firstLineExempt = s[pos] != "\n"
        if !firstLineExempt {
            consumeLineBreak()
        } else {
            report(#"a multi-line string starts on the line after its opening """"#, at: here,
                   hint: #"break the line after """, or write a one-line string "...""#)
        }
        var lines: [(lead: [Unicode.Scalar], loc: SourceLoc, parts: PartsBuilder, blank: Bool)] = []
        var indent: [Unicode.Scalar] = []
        var stripIndent = false
        lineLoop: while true {
            let lineLoc = here
            var lead: [Unicode.Scalar] = []
            while peek() == " " || peek() == "\t" {
                lead.append(s[pos])
                pos += 1
            }
            if atEnd {
                reportUnterminated(at: pos, openLoc: openLoc, multiline: true)
                break
            }
            if isTripleQuote() {
                pos += 3
                indent = lead
                stripIndent = true
                break
            }
            var b = PartsBuilder()
            var blank = true
            while !atEnd {
                let ch = s[pos]
                if ch == "\n" {
                    consumeLineBreak()
                    break
                }
                if ch == "\r" && peek(1) == "\n" {
                    pos += 1
                    continue
                }
                if ch != " " && ch != "\t" && ch != "\r" { blank = false }
                if isTripleQuote() {
                    report(#"the closing """ of a multi-line string must be on a line of its own"#, at: here)
                    pos += 3
                    lines.append((lead, lineLoc, b, blank))
                    break lineLoop
                }
                if ch == "\\" && !raw {
                    if !lexEscape(into: &b, multiline: true, openLoc: openLoc) {
                        lines.append((lead, lineLoc, b, blank))
                        break lineLoop
                    }
                } else {
                    b.append(ch)
                    pos += 1
                }
            }
            lines.append((lead, lineLoc, b, blank))
        }
        var result = PartsBuilder()
        var reportedIndent = false
        for (i, ln) in lines.enumerated() {
            if i > 0 { result.append("\n") }
            if !stripIndent || (i == 0 && firstLineExempt) {
                result.append(contentsOf: ln.lead)
            } else if ln.lead.starts(with: indent) {
                result.append(contentsOf: ln.lead.dropFirst(indent.count))
            } else if !ln.blank && !reportedIndent {
                reportedIndent = true
                report("line is indented less than the closing \"\"\" of its multi-line string", at: ln.loc,
                       hint: #"indent every line at least as much as the closing """ (the indentation must use the same spaces and tabs)"#)
            }
            result.append(ln.parts)
        }
        return result.finish()
    }
}
