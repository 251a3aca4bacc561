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

/// String literals: `"..."` with escapes and `\( )` interpolation, raw `r"..."`, and the `"""` forms.
extension Lexer {
    static let escapeHint = #"escapes are \n \t \r \0 \\ \" \' \u{1F600} and \(expr) for interpolation; "#
        + #"a raw string r"..." keeps backslashes"#

    private func isTripleQuote() -> Bool { peek() == "\"" && peek(1) == "\"" && peek(2) == "\"" }

    /// STRING     = '"' { string_char | escape | interpolation } '"' | ml_string ;
    /// RAW_STRING = 'r"' { string_char | "\" } '"' | 'r' ml_string ;
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
        if multiline && lexingTemplate {
            report("'\\(' is never closed: expected ')' before the end of the template", at: openLoc,
                   hint: #"close the expression with ')'; write \\( for a literal \("#)
        } else if multiline {
            report("unterminated multi-line string", at: openLoc, hint: #"close it with """ on a line of its own"#)
        } else {
            report("unterminated string", at: openLoc,
                   hint: #"close it with " on the same line; a string over several lines is written """ ... """"#)
        }
    }

    /// escape = "\" ( "n" | "t" | "r" | "0" | "\" | '"' | "'" | "u{" hex_digit { hex_digit } "}" ) ;   or an interpolation
    /// `pos` is at the backslash. Returns false when the string cannot go on
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
        while let d = ScalarClass.hexValue(peek()) {
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

    /// interpolation = "\(" expression ")" ;   lexes the tokens up to the matching `)`; the parser parses them.
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

    /// ml_string = '"""' { blank } line_feed { content_line line_feed } indentation '"""' ;
    /// The closing delimiter's indentation is removed from every content line.
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
                       hint: #"indent every line at least as much as the closing """ "#
                           + "(the indentation must use the same spaces and tabs)")
            }
            result.append(ln.parts)
        }
        return result.finish()
    }

    /// template = { template_char | "\\(" | interpolation } ;
    /// A whole file read as a template (`template()`, `render_template()`): text is kept exactly as written,
    /// backslashes included, because config files are full of them (regexes, Windows paths); only `\(`
    /// opens an expression, and `\\(` stands for a literal `\(`. Positions are the template's own.
    func lexTemplate() -> [StringPart] {
        lexingTemplate = true
        defer { lexingTemplate = false }
        var b = PartsBuilder()
        while !atEnd {
            let ch = s[pos]
            if ch == "\n" {
                b.append(ch)
                consumeLineBreak()
            } else if ch == "\\" && peek(1) == "\\" && peek(2) == "(" {
                b.append("\\")
                b.append("(")
                pos += 3
            } else if ch == "\\" && peek(1) == "(" {
                let escLoc = here
                let backslash = pos
                pos += 1
                if !lexInterpolation(into: &b, backslash: backslash, escLoc: escLoc, multiline: true, openLoc: escLoc) {
                    break
                }
            } else {
                b.append(ch)
                pos += 1
            }
        }
        return b.finish()
    }
}
