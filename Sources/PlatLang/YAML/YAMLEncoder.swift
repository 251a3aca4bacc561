/// Writes values as block-style YAML that `YAML.decode` (and any YAML 1.2 reader) reads back as the same
/// value: mappings as `key: value` lines, sequences as `- ` lines (compact `- key: v` and `- - x` inside
/// sequences), empty collections as `[]` and `{}`.
struct YAMLEncoder {
    let indent: Int
    var out = ""
    /// Also quote the words YAML 1.1 reads as booleans (see `YAML.encode`).
    var quoteYAML11Booleans = false

    init(indent: Int) { self.indent = indent }

    mutating func writeDocument(_ v: Value) throws {
        switch v {
        case .list(let xs) where !xs.isEmpty:
            try writeSequence(xs, level: 0, inline: false)
        case .map(let m) where m.count > 0:
            try writeMapping(m, level: 0, inline: false)
        default:
            try writeScalar(v, level: 0)
            out += "\n"
        }
    }

    private func pad(_ level: Int) -> String { String(repeating: " ", count: level * indent) }

    private func enter(_ level: Int) throws {
        if level >= YAML.maxDepth {
            throw RuntimeError("yaml.encode() value is nested more than \(YAML.maxDepth) levels deep")
        }
    }

    /// Entries at `level`; with `inline` the first entry goes on the current line (after `- `).
    private mutating func writeSequence(_ xs: [Value], level: Int, inline: Bool) throws {
        try enter(level)
        let dash = "-" + String(repeating: " ", count: indent - 1)
        for (i, x) in xs.enumerated() {
            if !(inline && i == 0) { out += pad(level) }
            switch x {
            case .list(let inner) where !inner.isEmpty:
                out += dash
                try writeSequence(inner, level: level + 1, inline: true)
            case .map(let m) where m.count > 0:
                out += dash
                try writeMapping(m, level: level + 1, inline: true)
            default:
                out += "-"
                try writeValueAfterIndicator(x, level: level)
            }
        }
    }

    private mutating func writeMapping(_ m: MapStorage, level: Int, inline: Bool) throws {
        try enter(level)
        var first = true
        for (k, v) in m.pairs {
            guard case .string(let key) = k else {
                throw RuntimeError("yaml.encode() needs string map keys, got \(k.typeName) key \(k.repr)",
                                   hint: "convert the keys with str(k) first")
            }
            if !(inline && first) { out += pad(level) }
            first = false
            writeString(key, asKey: true)
            out += ":"
            switch v {
            case .list(let xs) where !xs.isEmpty:
                out += "\n"
                try writeSequence(xs, level: level + 1, inline: false)
            case .map(let inner) where inner.count > 0:
                out += "\n"
                try writeMapping(inner, level: level + 1, inline: false)
            default:
                try writeValueAfterIndicator(v, level: level)
            }
        }
    }

    /// A scalar or an empty collection after `key:` or `-`, ending the line.
    private mutating func writeValueAfterIndicator(_ v: Value, level: Int) throws {
        out += " "
        try writeScalar(v, level: level + 1)
        out += "\n"
    }

    /// A scalar (or `[]`, `{}`) whose block-scalar lines, if any, are indented at `level`.
    private mutating func writeScalar(_ v: Value, level: Int) throws {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let d): out += YAMLCoreSchema.formatFloat(d)
        case .string(let s):
            if Self.fitsLiteralBlock(s) {
                writeLiteralBlock(s, level: max(level, 1))
            } else {
                writeString(s, asKey: false)
            }
        case .duration, .size: writeString(v.printed, asKey: false)
        case .list: out += "[]"
        case .map: out += "{}"
        case .closure, .builtin: throw RuntimeError("yaml.encode() cannot encode a function")
        case .module: throw RuntimeError("yaml.encode() cannot encode a module")
        case .secret:
            throw RuntimeError("yaml.encode() cannot encode a secret", hint: "reveal() it explicitly if it must be sent")
        }
    }

    /// `|`, `|-` or `|+` by the number of final line breaks, then the lines at `level`.
    private mutating func writeLiteralBlock(_ s: String, level: Int) {
        var body = Substring(s)
        var finalBreaks = 0
        while body.hasSuffix("\n") { body = body.dropLast(); finalBreaks += 1 }
        out += finalBreaks == 0 ? "|-" : finalBreaks == 1 ? "|" : "|+"
        let prefix = pad(level)
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "\n"
            if !line.isEmpty { out += prefix + line }
        }
        // The breaks kept by `|+` beyond the first are empty lines.
        if finalBreaks > 1 { out += String(repeating: "\n", count: finalBreaks - 1) }
    }

    private mutating func writeString(_ s: String, asKey: Bool) {
        if Self.isPlainSafe(s) && !(quoteYAML11Booleans && Self.yaml11Booleans.contains(s)) {
            out += s
        } else {
            Self.writeDoubleQuoted(s, to: &out)
        }
    }

    // MARK: - When a string may go unquoted

    /// The YAML 1.1 boolean words (its `bool` type) that the 1.2 core schema reads as strings.
    static let yaml11Booleans: Set<String> = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ]

    /// Would `s` written plain read back as the same string, in block context, as a key or a value? Not when
    /// it is empty, has blanks at either end, holds a character YAML treats specially (controls, line
    /// breaks, `: `, ` #`), starts with an indicator, or looks like a null, bool, number or merge key, to a
    /// 1.2 reader or to a lax one (`1_000`, `0b1`, `+0x1F` are quoted too).
    static func isPlainSafe(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, let last = u.last else { return false }
        if first == 0x20 || last == 0x20 || last == UInt8(ascii: ":") { return false }
        switch first {
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","),
             UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"),
             UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"),
             UInt8(ascii: "`"):
            return false
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
            if u.count == 1 || u[1] == 0x20 { return false }
        default: break
        }
        if s.hasPrefix("---") || s.hasPrefix("...") || s == "<<" { return false }
        var nonASCII = false
        for (i, c) in u.enumerated() {
            if c < 0x20 || c == 0x7F { return false }
            if c >= 0x80 { nonASCII = true }
            if c == UInt8(ascii: ":") && i + 1 < u.count && u[i + 1] == 0x20 { return false }
            if c == UInt8(ascii: "#") && i > 0 && u[i - 1] == 0x20 { return false }
        }
        if nonASCII {
            for scalar in s.unicodeScalars where needsEscape(scalar) { return false }
        }
        if (try? YAMLCoreSchema.resolve(s)) != nil { return false }
        return !looksNumeric(u)
    }

    /// Starts like a number and holds only characters numbers in some YAML dialect use (`1_000`, `0b101`,
    /// `1:30`, `+0x1F`, `1.2.3`): quoted so no reader takes it for a number.
    private static func looksNumeric(_ u: [UInt8]) -> Bool {
        var i = 0
        if u[0] == UInt8(ascii: "+") || u[0] == UInt8(ascii: "-") { i = 1 }
        if i < u.count && u[i] == UInt8(ascii: ".") { i += 1 }
        guard i < u.count, YAMLCoreSchema.isDigit(u[i]) else { return false }
        let allowed = Set("0123456789abcdefABCDEFoOxX_.+-:".utf8)
        return u.allSatisfy { allowed.contains($0) }
    }

    /// Characters a YAML text may not hold as they are, or that some readers take for line breaks or marks.
    static func needsEscape(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF: return true
        default: return false
        }
    }

    /// A multi-line string that a `|` block scalar keeps exactly: printable, no carriage return or tab
    /// trouble, a first line with content that does not start with a blank (its indentation sets the
    /// block's), and no line of only blanks.
    static func fitsLiteralBlock(_ s: String) -> Bool {
        guard s.utf8.contains(0x0A) else { return false }
        var sawContent = false
        var lineStart = true
        var lineHasOnlyBlanks = true
        for c in s.unicodeScalars {
            if c == "\n" {
                if !lineStart && lineHasOnlyBlanks { return false }
                lineStart = true
                lineHasOnlyBlanks = true
                continue
            }
            if c != "\t" && needsEscape(c) { return false }
            if c == " " || c == "\t" {
                if lineStart && !sawContent { return false }
            } else {
                lineHasOnlyBlanks = false
                sawContent = true
            }
            lineStart = false
        }
        if !lineStart && lineHasOnlyBlanks { return false }
        return sawContent
    }

    /// `"..."` with YAML escapes for `"`, `\`, controls and the characters of `needsEscape`.
    static func writeDoubleQuoted(_ s: String, to out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\0": out += "\\0"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\u{0B}": out += "\\v"
            case "\u{0C}": out += "\\f"
            case "\r": out += "\\r"
            case "\u{1B}": out += "\\e"
            case "\u{85}": out += "\\N"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            default:
                if needsEscape(c) {
                    let h = String(c.value, radix: 16, uppercase: true)
                    if c.value < 0x100 {
                        out += "\\x" + String(repeating: "0", count: 2 - h.count) + h
                    } else {
                        out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                    }
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        out += "\""
    }
}
