import Foundation
@testable import PlatLang

/// Seeded randomness, so a failing generated case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random values of the kinds YAML carries (nil, bools, ints, floats, strings, lists, maps), with strings
/// that are hard to write: unicode, control characters, blanks at the ends, indicators, words that look
/// like other types, multi-line text.
struct ValueGenerator {
    var rng: SplitMix64

    static let tricky = ["", " ", "no", "yes", "on", "true", "True", "null", "~", "0777", "0o17", "0x1F", "1_000",
                         "0b101", "+0x1F", "1e3", "1.0", ".inf", "-.nan", "1.2.3", "12:30", "<<", "- x", "-x", "? q",
                         ":x", "a: b", "a #b", "#c", "&a", "*a", "!t", "|", ">", "%x", "@x", "`x", "[a]", "{b}",
                         ",", "'q'", "\"d\"", "---", "...", "a\n", "\nb", "a\n\nb\n\n", "  lead", "trail  ", "tab\tin",
                         "line1\nline2", "x\r\ny", "nel\u{85}", "ls\u{2028}", "bom\u{FEFF}", "nul\u{0}", "esc\u{1B}",
                         "del\u{7F}", "c1\u{9B}", "ünïcödé", "日本語", "🎉 emoji", "  \n  ", "a\n  b\n c", "\t"]

    mutating func int(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }

    mutating func string() -> String {
        if int(3) == 0 { return Self.tricky[int(Self.tricky.count)] }
        let alphabet: [Unicode.Scalar] = Array("abcxyz019 :#-_'\"\\/.,[]{}&*!|>%@`\n\t".unicodeScalars)
            + ["é", "ß", "中", "😀", "\u{0}", "\u{7}", "\u{1F}", "\u{A0}", "\u{2029}"]
        var s = String.UnicodeScalarView()
        for _ in 0..<int(12) { s.append(alphabet[int(alphabet.count)]) }
        return String(s)
    }

    mutating func value(depth: Int = 0) -> Value {
        let kinds = depth >= 4 ? 5 : 7
        switch int(kinds) {
        case 0: return .null
        case 1: return .bool(int(2) == 0)
        case 2:
            let choices = [0, 1, -1, 777, Int.max, Int.min, int(100_000) - 50_000]
            return .int(choices[int(choices.count)])
        case 3:
            let choices: [Double] = [0.5, -2.25, 1e20, 1e-7, 3.0, -0.0, .infinity, -.infinity, .nan, Double(int(1000)) / 7]
            return .float(choices[int(choices.count)])
        case 4: return .string(string())
        case 5: return .list((0..<int(4)).map { _ in value(depth: depth + 1) })
        default:
            let m = MapStorage()
            for _ in 0..<int(4) { m.set(.string(string()), value(depth: depth + 1)) }
            return .map(m)
        }
    }
}

/// Random YAML documents written in many styles at once (block and flow collections, compact entries,
/// every scalar style, comments, indentation steps), to run through two readers and compare.
struct DocumentGenerator {
    var rng: SplitMix64

    indirect enum Node {
        case scalar(String)  // as written, in a form valid in block and flow context
        case blockScalar(String)  // a `|` or `>` header and its lines, to indent
        case seq([Node])
        case map([(String, Node)])
    }

    static let words = ["web", "no", "on", "yes", "off", "0777", "1e3", "0x1F", "0o17", "12", "-3", "+4", "1.5", ".5",
                        "1.", "-.inf", ".nan", "~", "null", "NULL", "true", "False", "a:b", "http://x.y/z?q=1", "-x",
                        "hello world", "日本", "Zoë", "1.2.3", "v2", "x#y", "50%", "it's", "0", "-0", "2e-3"]
    static let keys = ["name", "image", "ports", "a", "b key", "x-y", "app.kubernetes.io/name", "über", "k1", "k2",
                       "on", "no", "\"quoted key\"", "'single ''key'''", "null-ish", "path/to", "$ref", "200"]
    static let quoted = ["'single'", "'it''s'", "''", "\"\"", "\"tab\\tnl\\n\"", "\"\\x41\\u00e9\\U0001F600\"",
                         "\"\\N\\_\\L\\P\\e\\0\\/\"", "\"quote \\\" and \\\\\"", "'# not a comment'", "\"a: b\"",
                         "\"  padded  \"", "'multi word'"]

    mutating func int(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }

    mutating func node(depth: Int) -> Node {
        switch depth >= 4 ? int(3) : int(7) {
        case 0: return .scalar(Self.words[int(Self.words.count)])
        case 1: return .scalar(Self.quoted[int(Self.quoted.count)])
        case 2:
            let header = ["|", "|-", "|+", ">", ">-", ">+"][int(6)]
            let lines = (0..<(1 + int(4))).map { _ in ["text", "  more indented", "", "with: colon", "# hash"][int(5)] }
            var body = lines
            if body[0].hasPrefix(" ") || body[0].isEmpty { body[0] = "first" }
            return .blockScalar(([header] + body).joined(separator: "\n"))
        case 3, 4: return .seq((0..<int(4)).map { _ in node(depth: depth + 1) })
        default:
            var keys = Self.keys
            var pairs: [(String, Node)] = []
            for _ in 0..<int(4) {
                let k = keys.remove(at: int(keys.count))
                pairs.append((k, node(depth: depth + 1)))
            }
            return .map(pairs)
        }
    }

    mutating func document() -> String {
        let root: Node = int(2) == 0 ? .map([("root", node(depth: 0)), ("other", node(depth: 1))]) : node(depth: 0)
        var out = int(4) == 0 ? "--- # start\n" : ""
        switch root {
        case .seq(let xs) where !xs.isEmpty: block(root, column: 0, into: &out)
        case .map(let ps) where !ps.isEmpty: block(root, column: 0, into: &out)
        default:
            out = "---"
            afterIndicator(root, column: -1, compact: false, into: &out)
        }
        if int(5) == 0 { out += "...\n" }
        return out
    }

    private mutating func comment() -> String { int(4) == 0 ? " # note" : "" }

    private mutating func block(_ n: Node, column: Int, into out: inout String) {
        let pad = String(repeating: " ", count: column)
        switch n {
        case .seq(let xs):
            for x in xs {
                if int(6) == 0 { out += pad + "# between entries\n" }
                out += pad + "-"
                afterIndicator(x, column: column, compact: true, into: &out)
            }
        case .map(let pairs):
            for (k, v) in pairs {
                if int(6) == 0 { out += "# comment at column one\n" }
                out += pad + k + ":"
                afterIndicator(v, column: column, compact: false, into: &out)
            }
        default:
            break
        }
    }

    private mutating func afterIndicator(_ n: Node, column: Int, compact: Bool, into out: inout String) {
        switch n {
        case .scalar(let s):
            out += " " + s + comment() + "\n"
        case .blockScalar(let text):
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let header = lines.removeFirst()
            let indent = String(repeating: " ", count: max(column, 0) + 1 + int(3))
            out += " " + header + comment() + "\n"
            for l in lines { out += l.isEmpty ? "\n" : indent + l + "\n" }
        case .seq(let xs) where xs.isEmpty:
            out += " []" + comment() + "\n"
        case .map(let ps) where ps.isEmpty:
            out += " {}" + comment() + "\n"
        case .seq, .map:
            if int(4) == 0 {
                out += " " + flow(n, floor: max(column, 0)) + comment() + "\n"
            } else if compact && int(2) == 0 {
                // `- key: v` / `- - x`: the collection starts right after the dash.
                var inner = ""
                block(n, column: column + 2, into: &inner)
                // A comment line cannot come first: the collection's first line goes after the dash.
                while inner.drop(while: { $0 == " " }).hasPrefix("#") { inner = String(inner.drop(while: { $0 != "\n" }).dropFirst()) }
                out += " " + String(inner.dropFirst(column + 2))
            } else if !compact, case .seq = n, column >= 0, int(2) == 0 {
                out += comment() + "\n"
                block(n, column: column, into: &out)
            } else {
                out += comment() + "\n"
                block(n, column: max(column, 0) + [1, 2, 4][int(3)] - (column < 0 ? 1 : 0), into: &out)
            }
        }
    }

    private mutating func flow(_ n: Node, floor: Int) -> String {
        let sep: String = int(3) == 0 ? ",\n" + String(repeating: " ", count: floor + 1 + int(3)) : ", "
        switch n {
        case .scalar(let s): return s
        case .blockScalar: return "\"from a block\""
        case .seq(let xs): return "[" + xs.map { flow($0, floor: floor) }.joined(separator: sep) + "]"
        case .map(let ps): return "{" + ps.map { $0.0 + ": " + flow($0.1, floor: floor) }.joined(separator: sep) + "}"
        }
    }
}
