import Foundation

/// A token of a Python or Perl script, as far as the danger checks need: names (dotted or `::`-joined, and
/// numbers), string literals with their value, and single punctuation characters. Comments are skipped.
enum ScriptToken {
    case name(String, line: Int)
    /// `interpolates`: `$x` (Perl "...") or `{x}` (Python f-strings, rewritten to `${x}`) may stand for any text.
    case string(String, line: Int, interpolates: Bool)
    /// Perl backticks and `qx//`: a shell command.
    case command(String, line: Int)
    case punct(Character, line: Int)

    var line: Int {
        switch self {
        case .name(_, let l), .string(_, let l, _), .command(_, let l), .punct(_, let l): return l
        }
    }
}

/// A forgiving tokenizer for Python and Perl: it never fails; an odd construct only makes it miss or misread
/// a string, never crash or loop.
struct ScriptScanner {
    enum Flavor { case python, perl }

    private let c: [Character]
    private var i = 0
    private var line = 1
    private let flavor: Flavor
    private(set) var tokens: [ScriptToken] = []
    /// Character offsets [start, end) of comments, for blanking them before user rules run.
    private(set) var commentRanges: [Range<Int>] = []

    init(_ script: String, flavor: Flavor) {
        // "\r\n" is one Character in Swift; splitting it keeps line counting simple.
        c = Array(script.replacingOccurrences(of: "\r\n", with: "\n"))
        self.flavor = flavor
        run()
    }

    private func at(_ k: Int) -> Character? { k >= 0 && k < c.count ? c[k] : nil }

    private static func isNameStart(_ ch: Character) -> Bool { ch == "_" || (ch.isASCII && ch.isLetter) }
    private static func isNameChar(_ ch: Character) -> Bool { ch == "_" || (ch.isASCII && (ch.isLetter || ch.isNumber)) }

    private mutating func run() {
        while i < c.count {
            let ch = c[i]
            let atLineStart = i == 0 || c[i - 1] == "\n"
            if ch == "\n" {
                line += 1
                i += 1
            } else if ch == " " || ch == "\t" || ch == "\r" {
                i += 1
            } else if ch == "#" {
                let start = i
                while i < c.count && c[i] != "\n" { i += 1 }
                commentRanges.append(start..<i)
            } else if flavor == .perl && atLineStart && ch == "=" && at(i + 1).map(ScriptScanner.isNameStart) == true {
                skipPOD()
            } else if flavor == .perl && atLineStart && (lineStarts(with: "__END__") || lineStarts(with: "__DATA__")) {
                commentRanges.append(i..<c.count)
                i = c.count
            } else if ch == "'" || ch == "\"" {
                readQuoted(prefix: "")
            } else if ch == "`" && flavor == .perl {
                let l = line
                i += 1
                tokens.append(.command(readUntil("`", escapes: true), line: l))
            } else if flavor == .perl && (ch == "$" || ch == "@" || ch == "%") && at(i + 1) == "#" {
                i += 2 // `$#array`: not a comment
            } else if ScriptScanner.isNameStart(ch) || ch.isNumber {
                readName()
            } else {
                tokens.append(.punct(ch, line: line))
                i += 1
            }
        }
    }

    private func lineStarts(with word: String) -> Bool {
        var k = i
        for w in word {
            guard at(k) == w else { return false }
            k += 1
        }
        return true
    }

    private mutating func skipPOD() {
        let start = i
        while i < c.count {
            var end = i
            while end < c.count && c[end] != "\n" { end += 1 }
            let isCut = String(c[i..<end]).hasPrefix("=cut")
            i = min(end + 1, c.count)
            line += 1
            if isCut { break }
        }
        commentRanges.append(start..<i)
    }

    private mutating func readName() {
        let start = i
        var name = ""
        while i < c.count {
            let ch = c[i]
            if ScriptScanner.isNameChar(ch) {
                name.append(ch)
                i += 1
            } else if ch == ".", flavor == .python, let n = at(i + 1), ScriptScanner.isNameStart(n) {
                name.append(ch)
                i += 1
            } else if ch == ":", flavor == .perl, at(i + 1) == ":", let n = at(i + 2), ScriptScanner.isNameStart(n) {
                name += "::"
                i += 2
            } else {
                break
            }
        }
        if i == start { i += 1 }
        switch flavor {
        case .python:
            // String prefixes: r"..", b'..', f"..", rb"..", Rf"..".
            let lower = name.lowercased()
            if let q = at(i), q == "'" || q == "\"", lower.count <= 2, lower.allSatisfy({ "rbuf".contains($0) }) {
                readQuoted(prefix: lower)
                return
            }
        case .perl:
            // `$s`, `@y`, `->q`, `{s}` are names, not quote operators.
            let before = at(start - 1)
            let isVariable = before == "$" || before == "@" || before == "%" || before == "&" || before == ">"
                || before == "{"
            if !isVariable, let d = at(i), ["q", "qq", "qw", "qx", "m", "qr", "s", "tr", "y"].contains(name),
               !d.isLetter, !d.isNumber, !" \t\n_,;=)}-".contains(d) {
                readPerlQuoteLike(name)
                return
            }
        }
        tokens.append(.name(name, line: line))
    }

    /// Python: '..', "..", '''..''', """..""" with prefixes; Perl: '..' (no interpolation) and ".." (interpolates).
    private mutating func readQuoted(prefix: String) {
        let l = line
        guard let q = at(i) else { return }
        let triple = flavor == .python && at(i + 1) == q && at(i + 2) == q
        i += triple ? 3 : 1
        let raw = prefix.contains("r")
        var value = ""
        while i < c.count {
            let ch = c[i]
            if ch == q && (!triple || (at(i + 1) == q && at(i + 2) == q)) {
                i += triple ? 3 : 1
                break
            }
            if ch == "\n" {
                line += 1
                if !triple && flavor == .python { break } // an unterminated one-line string ends here
            }
            if ch == "\\", let n = at(i + 1) {
                if raw || (flavor == .perl && q == "'" && n != "\\" && n != "'") {
                    value.append(ch)
                    value.append(n)
                } else {
                    switch n {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "\n": line += 1
                    default: value.append(n)
                    }
                }
                i += 2
                continue
            }
            value.append(ch)
            i += 1
        }
        if prefix.contains("f") {
            tokens.append(.string(ScriptScanner.fStringAsShell(value), line: l, interpolates: true))
        } else {
            tokens.append(.string(value, line: l, interpolates: flavor == .perl && q == "\""))
        }
    }

    /// What a part of a string computed at run time (a variable, a call, an f-string field) becomes in the shell
    /// text handed to the shell checker: a variable that may be empty, which the checker names "a computed part".
    static let unknownPart = "${PLATFLOW_COMPUTED}"
    static let unknownName = "PLATFLOW_COMPUTED"

    /// `f"rm -rf {path}/"` → `rm -rf ${PLATFLOW_COMPUTED}/`: each replacement field may be any text, even empty.
    static func fStringAsShell(_ s: String) -> String {
        var out = ""
        var depth = 0
        var k = s.startIndex
        while k < s.endIndex {
            let ch = s[k]
            let next = s.index(after: k)
            if depth == 0 && ch == "{" && next < s.endIndex && s[next] == "{" {
                out.append("{")
                k = s.index(after: next)
                continue
            }
            if depth == 0 && ch == "}" && next < s.endIndex && s[next] == "}" {
                out.append("}")
                k = s.index(after: next)
                continue
            }
            if ch == "{" {
                if depth == 0 { out += unknownPart }
                depth += 1
            } else if ch == "}" && depth > 0 {
                depth -= 1
            } else if depth == 0 {
                out.append(ch)
            }
            k = next
        }
        return out
    }

    /// Reads to an unescaped `end`, counting lines; the opener is already consumed.
    private mutating func readUntil(_ end: Character, escapes: Bool, open: Character? = nil) -> String {
        var value = ""
        var depth = 1
        while i < c.count {
            let ch = c[i]
            if escapes && ch == "\\", let n = at(i + 1) {
                value.append(n)
                i += 2
                continue
            }
            if ch == "\n" { line += 1 }
            if let open, ch == open, open != end { depth += 1 }
            if ch == end {
                depth -= 1
                if depth == 0 {
                    i += 1
                    return value
                }
            }
            value.append(ch)
            i += 1
        }
        return value
    }

    /// `q(..)`, `qq{..}`, `qw/../`, `qx[..]`, and the regex forms `m//`, `qr//`, `s///`, `tr///`, `y///`
    /// (skipped, so quotes inside a regex do not start strings).
    private mutating func readPerlQuoteLike(_ op: String) {
        let l = line
        guard let open = at(i) else { return }
        let pairs: [Character: Character] = ["(": ")", "[": "]", "{": "}", "<": ">"]
        let close = pairs[open] ?? open
        i += 1
        let body = readUntil(close, escapes: true, open: open)
        if op == "s" || op == "tr" || op == "y" {
            // The replacement part: with brackets it has its own opener (`s{a}{b}`), else it shares the delimiter.
            if pairs[open] != nil {
                while let ch = at(i), ch == " " || ch == "\n" { if ch == "\n" { line += 1 }; i += 1 }
                if let o2 = at(i) {
                    i += 1
                    _ = readUntil(pairs[o2] ?? o2, escapes: true, open: o2)
                }
            } else {
                _ = readUntil(close, escapes: true)
            }
            return
        }
        switch op {
        case "q": tokens.append(.string(body, line: l, interpolates: false))
        case "qq": tokens.append(.string(body, line: l, interpolates: true))
        case "qx": tokens.append(.command(body, line: l))
        case "qw":
            // A word list: each word a string, separated by commas as if written out.
            let words = body.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            tokens.append(.punct("(", line: l))
            for (k, w) in words.enumerated() {
                if k > 0 { tokens.append(.punct(",", line: l)) }
                tokens.append(.string(String(w), line: l, interpolates: false))
            }
            tokens.append(.punct(")", line: l))
        default: break // m//, qr//: a regex, not a string
        }
    }
}
