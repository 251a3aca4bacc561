import Testing
@testable import PlatLang

/// Lexes `source` completely: the tokens (without the final end of file) and the diagnostics.
private func lex(_ source: String) -> (tokens: [Token], diagnostics: [Diagnostic]) {
    let lexer = Lexer(file: SourceFile(path: "t.plat", text: source))
    var tokens: [Token] = []
    while true {
        let t = lexer.next()
        if t.isEOF { break }
        tokens.append(t)
    }
    return (tokens, lexer.diagnostics)
}

/// The single token of `source`, which must lex without errors.
private func only(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> TokenKind? {
    let (tokens, diagnostics) = lex(source)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))", sourceLocation: sourceLocation)
    #expect(tokens.count == 1, "\(tokens.map(\.kind))", sourceLocation: sourceLocation)
    return tokens.first?.kind
}

/// The messages of `source`'s diagnostics as `line:col: message`.
private func errors(_ source: String) -> [String] {
    lex(source).diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.col ?? 0): \($0.message)" }
}

/// The value of a string literal without interpolation.
private func stringValue(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    guard case .string(let parts)? = only(source, sourceLocation: sourceLocation) else { return nil }
    var text = ""
    for part in parts {
        guard case .text(let t) = part else { return nil }
        text += t
    }
    return text
}

@Suite("lexer")
struct LexerTests {
    @Test("integers in every base, with separators", arguments: [
        ("123", UInt64(123)), ("1_000", 1000), ("0xff", 255), ("0xFF", 255), ("0o17", 15), ("0b1010", 10),
        ("0xdead_beef", 0xdead_beef), ("9223372036854775807", 9_223_372_036_854_775_807), ("0", 0),
    ])
    func integers(source: String, value: UInt64) {
        guard case .int(let v)? = only(source) else { Issue.record("not an int: \(source)"); return }
        #expect(v == value)
    }

    @Test func integerTooLarge() {
        #expect(errors("99999999999999999999") == ["1:1: integer literal is too large"])
        #expect(errors("0x1_0000_0000_0000_0000") == ["1:1: integer literal is too large"])
        #expect(errors("0xfg") == ["1:1: invalid digit 'g' in a hexadecimal literal"])
        #expect(errors("0b") == ["1:1: expected binary digits after '0b'"])
        #expect(errors("0x_ff") == ["1:1: '_' in a number must be between digits"])
        #expect(errors("1_") == ["1:2: '_' in a number must be between digits"])
    }

    @Test("floats", arguments: [("1.5", 1.5), ("1e10", 1e10), ("2.5e-3", 2.5e-3), ("1_000.5", 1000.5), ("3E+2", 300.0)])
    func floats(source: String, value: Double) {
        guard case .float(let v)? = only(source) else { Issue.record("not a float: \(source)"); return }
        #expect(v == value)
    }

    @Test func dotIsNotPartOfANumberWithoutDigits() {
        // `1.` is the integer 1 then a dot (a member access), `.5` is a dot then 5.
        let a = lex("1.foo").tokens.map(\.kind)
        #expect(a.count == 3)
        if case .int(1) = a[0], case .punct(.dot) = a[1], case .ident("foo") = a[2] {} else { Issue.record("\(a)") }
        let b = lex(".5").tokens.map(\.kind)
        if b.count == 2, case .punct(.dot) = b[0], case .int(5) = b[1] {} else { Issue.record("\(b)") }
    }

    @Test("durations in milliseconds", arguments: [
        ("500ms", Int64(500)), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("1d", 86_400_000),
        ("1h30m", 5_400_000), ("1m30s500ms", 90_500), ("1d2h3m4s5ms", 93_784_005), ("0s", 0), ("1_000ms", 1000),
    ])
    func durations(source: String, ms: Int64) {
        guard case .duration(let v)? = only(source) else { Issue.record("not a duration: \(source)"); return }
        #expect(v == ms)
    }

    @Test("sizes in bytes", arguments: [
        ("512B", Int64(512)), ("4KB", 4000), ("20MB", 20_000_000), ("1GB", 1_000_000_000), ("2TB", 2_000_000_000_000),
        ("1KiB", 1024), ("1MiB", 1_048_576), ("1GiB", 1_073_741_824), ("1TiB", 1_099_511_627_776),
    ])
    func sizes(source: String, bytes: Int64) {
        guard case .size(let v)? = only(source) else { Issue.record("not a size: \(source)"); return }
        #expect(v == bytes)
    }

    @Test func unitErrors() {
        let frac = lex("1.5h").diagnostics
        #expect(frac.map(\.message) == ["a duration is written with whole numbers"])
        #expect(frac.first?.hint == "write 1h30m")
        #expect(lex("1.5GB").diagnostics.first?.hint == "write 1500MB")
        #expect(errors("30m1h") == ["1:3: duration units must go from largest to smallest, each at most once"])
        #expect(errors("1h1h") == ["1:2: duration units must go from largest to smallest, each at most once"])
        #expect(errors("x = 10x") == ["1:7: unknown unit 'x'"])
        let sec = lex("5sec").diagnostics
        #expect(sec.map(\.message) == ["unknown unit 'sec'"])
        #expect(sec.first?.hint?.contains("d h m s ms") == true)
        #expect(sec.first?.hint?.contains("KiB") == true)
        #expect(lex("1H").diagnostics.first?.hint?.hasPrefix("did you mean 'h'?") == true)
        #expect(errors("1h30") == ["1:2: missing unit after '30' in a duration"])
        #expect(errors("1GB5MB") == ["1:2: a size literal has a single unit"])
        #expect(errors("999999999999999d") == ["1:1: duration literal is too large"])
        #expect(errors("99999999999TB") == ["1:1: size literal is too large"])
    }

    @Test func escapes() {
        #expect(stringValue(#""a\nb\tc\rd\0e\\f\"g\'h""#) == "a\nb\tc\rd\0e\\f\"g'h")
        #expect(stringValue(#""\u{1F600} \u{41}""#) == "😀 A")
        #expect(stringValue(#""$HOME ${PATH}""#) == "$HOME ${PATH}")
        #expect(stringValue(#""""#) == "")
    }

    @Test func escapeErrors() {
        #expect(errors(#"x = "a\qb""#) == [#"1:7: unknown escape '\q'"#])
        #expect(errors(#""\u{110000}""#) == [#"1:2: \u{110000} is not a unicode scalar"#])
        #expect(errors(#""\u{D800}""#) == [#"1:2: \u{D800} is not a unicode scalar"#])
        #expect(errors(#""\u41""#) == [#"1:2: expected '{' after \u"#])
        #expect(errors(#""\u{}""#) == ["1:2: empty unicode escape"])
        #expect(errors(#""\u{123456789}""#) == ["1:2: unicode escape has more than 8 hex digits"])
        #expect(errors(#""\u{12"#) == ["1:2: expected '}' to close the unicode escape", "1:1: unterminated string"])
    }

    @Test func unterminatedStringEndsAtTheLineBreak() {
        let (tokens, diagnostics) = lex("let s = \"abc\nlet t = 1")
        #expect(diagnostics.map(\.message) == ["unterminated string"])
        #expect(diagnostics.first?.location?.line == 1)
        #expect(diagnostics.first?.location?.col == 9)
        // Lexing goes on with the next line.
        #expect(tokens.count == 9)
    }

    @Test func interpolationLexesTheInnerTokens() {
        guard case .string(let parts)? = only(#""v=\(m["k"]) \("in \("ner")")!""#) else { Issue.record(); return }
        #expect(parts.count == 5)
        if case .code(let tokens, _, _) = parts[1] {
            #expect(tokens.count == 4)  // m [ "k" ]
        } else {
            Issue.record("\(parts)")
        }
        // An interpolation cannot cross a line break in a one-line string; one message, not one per level.
        #expect(errors("\"a \\(\"b \\(c\nx") == ["1:6: unterminated string"])
    }

    @Test func multilineStringsStripTheClosingIndentation() {
        let source = "\"\"\"\n    echo \"$HOME ${PATH}\"\n      indented\n\n    last\n    \"\"\""
        #expect(stringValue(source) == "echo \"$HOME ${PATH}\"\n  indented\n\nlast")
        #expect(stringValue("\"\"\"\n\"\"\"") == "")
        #expect(stringValue("\"\"\"\n  a\\tb \\\"\"\"\n  \"\"\"") == "a\tb \"\"\"")
        // Windows line endings are not part of the value.
        #expect(stringValue("\"\"\"\r\n  ab\r\n  cd\r\n  \"\"\"") == "ab\ncd")
    }

    @Test func multilineStringErrors() {
        #expect(errors("\"\"\"\n    ok\n  bad\n    \"\"\"") == ["3:1: line is indented less than the closing \"\"\" of its multi-line string"])
        #expect(errors("\"\"\" x\n  \"\"\"") == ["1:5: a multi-line string starts on the line after its opening \"\"\""])
        #expect(errors("\"\"\"\n  a \"\"\"") == ["2:5: the closing \"\"\" of a multi-line string must be on a line of its own"])
        #expect(errors("x = \"\"\"\n  a\n") == ["1:5: unterminated multi-line string"])
    }

    @Test func rawStringsKeepBackslashes() {
        #expect(stringValue(#"r"C:\path \(not interpolated)""#) == #"C:\path \(not interpolated)"#)
        #expect(stringValue("r\"\"\"\n  a\\nb \\(x)\n  \"\"\"") == #"a\nb \(x)"#)
    }

    @Test func commentsAndBlankLinesFoldIntoOneNewline() {
        let kinds = lex("\n\n# top\na # trailing\n\n  # only a comment\n\nb\n").tokens.map(\.kind)
        #expect(kinds.count == 4)
        if case .ident("a") = kinds[0], case .newline = kinds[1], case .ident("b") = kinds[2], case .newline = kinds[3] {
        } else {
            Issue.record("\(kinds)")
        }
    }

    @Test func keywordsAndOperators() {
        let kinds = lex("let var fn return if else for in while break continue true false nil and or not try catch assert import as plan step").tokens
        #expect(kinds.count == Keyword.allCases.count)
        #expect(kinds.allSatisfy { if case .keyword = $0.kind { return true } else { return false } })
        let ops = lex("( ) [ ] { } , : ; . => = += -= *= /= == != < <= > >= + - * / // %").tokens
        #expect(ops.compactMap { if case .punct(let p) = $0.kind { return p.rawValue } else { return nil } }.joined(separator: " ")
                == "( ) [ ] { } , : ; . => = += -= *= /= == != < <= > >= + - * / // %")
    }

    @Test func columnsCountUnicodeScalarsAndTabsCountOne() {
        let tokens = lex("\"é😀\"\tx\n\ty").tokens
        #expect(tokens.map(\.col) == [1, 6, 7, 2])
        #expect(tokens.map(\.line) == [1, 1, 1, 2])
    }

    @Test func strayCharactersAreReportedAndLexingGoesOn() {
        #expect(errors("a @ b $ c ` d \u{FFFD} e \u{0} f") == [
            "1:3: unexpected character '@'", "1:7: unexpected character '$'", "1:11: unexpected character '`'",
            "1:15: unexpected character U+FFFD", "1:19: unexpected character U+0000",
        ])
        let names = lex("a @ b").tokens.compactMap { if case .ident(let n) = $0.kind { return n } else { return nil } }
        #expect(names == ["a", "b"])
        #expect(lex("x = !y").diagnostics.first?.hint == "use 'not' for negation and '!=' for inequality")
        // A run of junk is one message.
        #expect(errors("\u{1}\u{2}\u{3}\u{4} x").count == 1)
    }
}
