/// Scalars: plain (possibly over several lines, folded), single- and double-quoted (escapes, folding), and
/// block scalars (`|` literal, `>` folded, chomping and indentation indicators).
extension YAMLParser {
    /// Why a run of plain text on one line stopped.
    enum PlainStop {
        case lineEnd
        case comment
        /// At a ':' followed by a blank (or, in flow, by a flow indicator): the text was a key.
        case colon
        /// At a flow indicator (`,` `[` `]` `{` `}`), in flow context only.
        case flowIndicator
    }

    /// Scans plain text from `pos` to where it stops on this line; returns the end of the text (trailing
    /// blanks excluded) and why it stopped, with `pos` at the stop.
    mutating func scanPlainRun(flow: Bool) -> (end: Int, stop: PlainStop) {
        var end = pos
        while pos < bytes.count {
            let c = bytes[pos]
            if c == Self.newline { return (end, .lineEnd) }
            if c == Self.space || c == Self.tab { pos += 1; continue }
            if c == UInt8(ascii: "#") && pos > 0 && (bytes[pos - 1] == Self.space || bytes[pos - 1] == Self.tab) {
                return (end, .comment)
            }
            if c == UInt8(ascii: ":") {
                if isBlankOrEnd(pos + 1) || flow && Self.isFlowIndicator(byte(pos + 1)) { return (end, .colon) }
            }
            if flow && Self.isFlowIndicator(c) { return (end, .flowIndicator) }
            pos += 1
            end = pos
        }
        return (end, .lineEnd)
    }

    /// Can a plain scalar start at `pos`? Indicators cannot start one, except `-`, `?` and `:` followed by
    /// a character that could go on a plain scalar.
    func canStartPlain(flow: Bool) -> Bool {
        let c = byte(pos)
        switch c {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
            return !isBlankOrEnd(pos + 1) && !(flow && Self.isFlowIndicator(byte(pos + 1)))
        case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
             UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"),
             UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"),
             UInt8(ascii: "`"):
            return false
        default:
            return !isBlankOrEnd(pos)
        }
    }

    /// Looks past the line break at `pos` for the line a multi-line scalar goes on with: skips blank lines
    /// (counted) and returns the offset of the next line's first non-blank character, or nil when no line
    /// goes on (the end, a document marker, a line indented `floor` or less, or a comment line).
    func continuationLine(floor: Int) -> (start: Int, blankLines: Int)? {
        var p = pos
        var blanks = 0
        while p < bytes.count && bytes[p] == Self.newline {
            p += 1
            if isDocumentMarker(p) { return nil }
            var spaces = 0
            while p < bytes.count && bytes[p] == Self.space { p += 1; spaces += 1 }
            while p < bytes.count && (bytes[p] == Self.space || bytes[p] == Self.tab) { p += 1 }
            if p >= bytes.count { return nil }
            if bytes[p] == Self.newline { blanks += 1; continue }
            if spaces <= floor || bytes[p] == UInt8(ascii: "#") { return nil }
            return (p, blanks)
        }
        return nil
    }

    /// A plain scalar in block context. When its first line ends in `key:` it is a key (`isKey`, `pos` at the
    /// ':'); else it goes on over lines indented more than `floor`, folded (a line break is a space, each
    /// blank line a newline), and `pos` is left at the end of its last line or at a comment.
    mutating func parsePlainBlock(floor: Int) throws -> (text: String, isKey: Bool) {
        let start = pos
        guard canStartPlain(flow: false) else {
            throw error("'\(Character(Unicode.Scalar(byte(pos))))' cannot start a plain scalar here; quote the value", at: pos)
        }
        let (end, stop) = scanPlainRun(flow: false)
        if stop == .colon {
            if end == start { throw error("a mapping key is missing before ':'", at: pos) }
            return (String(decoding: bytes[start..<end], as: UTF8.self), true)
        }
        guard stop == .lineEnd, let first = continuationLine(floor: floor) else {
            return (String(decoding: bytes[start..<end], as: UTF8.self), false)
        }
        var out = Array(bytes[start..<end])
        var next: (start: Int, blankLines: Int)? = first
        while let line = next {
            pos = line.start
            let segmentStart = pos
            let (segmentEnd, segmentStop) = scanPlainRun(flow: false)
            if segmentStop == .colon { throw multiLineKeyError(at: start) }
            if line.blankLines == 0 {
                out.append(Self.space)
            } else {
                out.append(contentsOf: repeatElement(Self.newline, count: line.blankLines))
            }
            out.append(contentsOf: bytes[segmentStart..<segmentEnd])
            if segmentStop != .lineEnd { break }
            next = continuationLine(floor: floor)
        }
        return (String(decoding: out, as: UTF8.self), false)
    }

    /// A plain scalar inside a flow collection: stops at `,` `[` `]` `{` `}`, a `: `, or a comment, and may
    /// go on over lines (folded), as long as they are indented more than `floor`.
    mutating func parsePlainFlow(floor: Int) throws -> (text: String, multiLine: Bool) {
        let start = pos
        guard canStartPlain(flow: true) else {
            throw error("'\(Character(Unicode.Scalar(byte(pos))))' cannot start a plain scalar here; quote the value", at: pos)
        }
        var (end, stop) = scanPlainRun(flow: true)
        var out: [UInt8]? = nil
        while stop == .lineEnd, let line = continuationLine(floor: floor) {
            let c = bytes[line.start]
            if Self.isFlowIndicator(c) || c == UInt8(ascii: ":") && (isBlankOrEnd(line.start + 1) || Self.isFlowIndicator(byte(line.start + 1))) {
                break
            }
            if out == nil { out = Array(bytes[start..<end]) }
            if line.blankLines == 0 {
                out!.append(Self.space)
            } else {
                out!.append(contentsOf: repeatElement(Self.newline, count: line.blankLines))
            }
            pos = line.start
            let segmentStart = pos
            (end, stop) = scanPlainRun(flow: true)
            out!.append(contentsOf: bytes[segmentStart..<end])
        }
        if let out { return (String(decoding: out, as: UTF8.self), true) }
        return (String(decoding: bytes[start..<end], as: UTF8.self), false)
    }

    // MARK: - Quoted scalars

    /// A single- or double-quoted scalar at `pos`; continuation lines must be indented more than `floor`.
    /// Returns the text and whether it spanned lines (then it cannot be a key).
    mutating func parseQuoted(floor: Int) throws -> (String, Bool) {
        let open = pos
        let double = bytes[pos] == UInt8(ascii: "\"")
        pos += 1
        var out: [UInt8] = []
        var multiLine = false
        // Where the current run of unescaped blanks began in `out`: trailing blanks before a line break are
        // not part of the value.
        var blankRun: Int? = nil
        while true {
            guard pos < bytes.count else {
                throw error("unterminated \(double ? "double" : "single")-quoted string", at: open)
            }
            let c = bytes[pos]
            if double && c == UInt8(ascii: "\"") || !double && c == UInt8(ascii: "'") {
                if !double && byte(pos + 1) == UInt8(ascii: "'") {
                    out.append(c)
                    pos += 2
                    blankRun = nil
                    continue
                }
                pos += 1
                return (String(decoding: out, as: UTF8.self), multiLine)
            }
            if c == Self.newline {
                if let b = blankRun { out.removeSubrange(b...) }
                blankRun = nil
                multiLine = true
                let blanks = try foldQuotedBreak(floor: floor, open: open, double: double)
                if blanks == 0 {
                    out.append(Self.space)
                } else {
                    out.append(contentsOf: repeatElement(Self.newline, count: blanks))
                }
                continue
            }
            if c == Self.space || c == Self.tab {
                if blankRun == nil { blankRun = out.count }
                out.append(c)
                pos += 1
                continue
            }
            blankRun = nil
            if double && c == UInt8(ascii: "\\") {
                if byte(pos + 1) == Self.newline {
                    // An escaped line break joins the lines with nothing between; blank lines still count.
                    pos += 1
                    multiLine = true
                    let blanks = try foldQuotedBreak(floor: floor, open: open, double: double)
                    out.append(contentsOf: repeatElement(Self.newline, count: blanks))
                    continue
                }
                try readEscape(into: &out)
                continue
            }
            out.append(c)
            pos += 1
        }
    }

    /// At a line break inside a quoted scalar: moves past it, past blank lines (counted and returned) and
    /// past the next line's leading blanks. That line must be indented more than `floor` and not be a
    /// document marker.
    private mutating func foldQuotedBreak(floor: Int, open: Int, double: Bool) throws -> Int {
        var blanks = 0
        while true {
            pos += 1  // the line break
            if isDocumentMarker(pos) {
                throw error("unterminated \(double ? "double" : "single")-quoted string (a document marker inside it)", at: open)
            }
            var spaces = 0
            while pos < bytes.count && bytes[pos] == Self.space { pos += 1; spaces += 1 }
            while pos < bytes.count && (bytes[pos] == Self.space || bytes[pos] == Self.tab) { pos += 1 }
            if pos >= bytes.count {
                throw error("unterminated \(double ? "double" : "single")-quoted string", at: open)
            }
            if bytes[pos] == Self.newline { blanks += 1; continue }
            if spaces <= floor {
                throw error("this line of a quoted string must be indented more than its parent (column \(floor + 2) or more)", at: pos)
            }
            return blanks
        }
    }

    /// One escape after `\` in a double-quoted scalar, appended as UTF-8.
    private mutating func readEscape(into out: inout [UInt8]) throws {
        let at = pos
        pos += 1  // the backslash
        guard pos < bytes.count else { throw error("unterminated double-quoted string", at: at) }
        let e = bytes[pos]
        pos += 1
        func append(_ scalar: UInt32) { out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8) }
        switch e {
        case UInt8(ascii: "0"): out.append(0)
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"), Self.tab: out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "e"): out.append(0x1B)
        case Self.space: out.append(0x20)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "N"): append(0x85)
        case UInt8(ascii: "_"): append(0xA0)
        case UInt8(ascii: "L"): append(0x2028)
        case UInt8(ascii: "P"): append(0x2029)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<digits {
                guard let d = hexDigit(byte(pos)) else {
                    throw error("expected \(digits) hex digits after \\\(Character(Unicode.Scalar(e)))", at: at)
                }
                v = v << 4 | d
                pos += 1
            }
            guard Unicode.Scalar(v) != nil else {
                throw error("\\\(Character(Unicode.Scalar(e))) escape U+\(hex(v)) is not a Unicode scalar value", at: at)
            }
            append(v)
        default:
            throw error("unknown escape '\\\(String(decoding: [e], as: UTF8.self))' in a double-quoted string", at: at)
        }
    }

    private func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    // MARK: - Block scalars

    /// `|` or `>` with optional indentation (1-9) and chomping (`-` strip, `+` keep, default clip) indicators,
    /// in either order. The content is indented more than `n`: by the indicator counted from `n`, or by the
    /// first non-blank line. Returns with `pos` at the start of
    /// the first line after the scalar, past comment and blank lines.
    mutating func parseBlockScalar(n: Int) throws -> Value {
        let literal = bytes[pos] == UInt8(ascii: "|")
        pos += 1
        var explicitIndent: Int? = nil
        var chomp: UInt8 = 0  // 0 clip, '-' strip, '+' keep
        for _ in 0..<2 {
            let c = byte(pos)
            if c >= UInt8(ascii: "1") && c <= UInt8(ascii: "9") && explicitIndent == nil {
                explicitIndent = Int(c - UInt8(ascii: "0"))
                pos += 1
            } else if (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) && chomp == 0 {
                chomp = c
                pos += 1
            }
        }
        if byte(pos) == UInt8(ascii: "0") {
            throw error("a block scalar's indentation indicator must be 1 to 9", at: pos)
        }
        guard isBlankOrEnd(pos) else {
            throw error("unexpected text after the block scalar header", at: pos)
        }
        skipInlineSpace()
        if byte(pos) == UInt8(ascii: "#") {
            while pos < bytes.count && bytes[pos] != Self.newline { pos += 1 }
        }
        guard isLineEnd(pos) else { throw error("unexpected text after the block scalar header", at: pos) }
        nodeCount += 1
        if atEnd { return .string("") }
        pos += 1  // the header's line break

        var indent: Int
        if let explicitIndent {
            // Counted from the collection's indentation, from 0 at the top (as libyaml and ruamel.yaml do).
            indent = max(n, 0) + explicitIndent
        } else {
            // The first non-blank line sets the indentation, which must be more than `n` (so a top-level
            // block scalar may sit at column 0); blank lines before it may not be longer. With no such
            // line, the longest blank line decides, so its spaces are not read as content.
            var p = pos, longestBlank = 0
            indent = -1
            while p < bytes.count {
                var spaces = 0
                while p < bytes.count && bytes[p] == Self.space { p += 1; spaces += 1 }
                if p >= bytes.count { longestBlank = max(longestBlank, spaces); break }
                if bytes[p] == Self.newline {
                    longestBlank = max(longestBlank, spaces)
                    p += 1
                    continue
                }
                if spaces > n {
                    indent = spaces
                    if longestBlank > spaces {
                        throw error("a blank line at the start of a block scalar has more spaces than its first line", at: p)
                    }
                }
                break
            }
            if indent < 0 { indent = max(n + 1, longestBlank) }
        }

        // Lines: content (the bytes after the indentation) or blank (nil). Each ends with a break unless last.
        var lines: [Range<Int>?] = []
        var lastEndsWithBreak = true
        while pos < bytes.count {
            if isDocumentMarker(pos) { break }
            let lineStart = pos
            var spaces = 0
            while pos < bytes.count && bytes[pos] == Self.space && spaces < indent { pos += 1; spaces += 1 }
            if spaces < indent {
                // Less indented: a blank line belongs to the scalar; anything else ends it.
                var q = pos
                while q < bytes.count && (bytes[q] == Self.space || bytes[q] == Self.tab) { q += 1 }
                if q < bytes.count && bytes[q] != Self.newline {
                    if bytes[pos] == Self.tab && bytes[q] != UInt8(ascii: "#") {
                        throw error("a tab is used for indentation; YAML indents with spaces only", at: pos)
                    }
                    pos = lineStart
                    break
                }
                lines.append(nil)
                pos = q
                if pos >= bytes.count { lastEndsWithBreak = false; break }
                pos += 1
                continue
            }
            let contentStart = pos
            while pos < bytes.count && bytes[pos] != Self.newline { pos += 1 }
            lines.append(contentStart == pos ? nil : contentStart..<pos)
            if pos >= bytes.count { lastEndsWithBreak = false; break }
            pos += 1
        }
        let text = blockScalarText(lines, literal: literal, chomp: chomp, lastEndsWithBreak: lastEndsWithBreak)
        // Past comment lines that trail the scalar, to the next content line (pos is at a line start).
        nextContentLine()
        return .string(text)
    }

    /// Joins block scalar lines: literal keeps every break; folded turns a single break between two
    /// ordinary lines into a space, keeps breaks around more-indented lines, and turns blank lines into
    /// newlines. Then chomping: strip drops the final breaks, clip keeps one, keep keeps them all.
    private func blockScalarText(_ lines: [Range<Int>?], literal: Bool, chomp: UInt8, lastEndsWithBreak: Bool) -> String {
        guard let lastContent = lines.lastIndex(where: { $0 != nil }) else {
            if chomp != UInt8(ascii: "+") { return "" }
            return String(repeating: "\n", count: lines.count - (lastEndsWithBreak ? 0 : 1))
        }
        var out: [UInt8] = []
        var previous: Range<Int>? = nil
        var blanks = 0
        for line in lines[...lastContent] {
            guard let line else { blanks += 1; continue }
            if let prev = previous {
                let spaced = { (r: Range<Int>) in self.bytes[r.lowerBound] == Self.space || self.bytes[r.lowerBound] == Self.tab }
                if literal || spaced(prev) || spaced(line) {
                    out.append(contentsOf: repeatElement(Self.newline, count: blanks + 1))
                } else if blanks == 0 {
                    out.append(Self.space)
                } else {
                    out.append(contentsOf: repeatElement(Self.newline, count: blanks))
                }
            } else {
                out.append(contentsOf: repeatElement(Self.newline, count: blanks))
            }
            out.append(contentsOf: bytes[line])
            previous = line
            blanks = 0
        }
        let trailing = lines.count - lastContent - 1
        let lastContentHasBreak = trailing > 0 || lastEndsWithBreak
        switch chomp {
        case UInt8(ascii: "-"): break
        case UInt8(ascii: "+"):
            if lastContentHasBreak { out.append(Self.newline) }
            let trailingBreaks = trailing - (lastEndsWithBreak ? 0 : 1)
            if trailingBreaks > 0 { out.append(contentsOf: repeatElement(Self.newline, count: trailingBreaks)) }
        default:
            if lastContentHasBreak { out.append(Self.newline) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
