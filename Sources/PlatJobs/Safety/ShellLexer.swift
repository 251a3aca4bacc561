import Foundation

/// One piece of a shell word: text, a parameter expansion, or a command substitution.
enum ShellSegment: Equatable {
    case literal(String)
    /// `$NAME`, `${NAME}`, `${NAME:-default}`...: `op` is the expansion operator ("" for none), `arg` its word.
    case variable(name: String, op: String, arg: String)
    /// `$(...)` or backticks; the body is checked as a script of its own.
    case substitution(String)
    /// `$((...))`: a number, never empty.
    case arithmetic
    /// An unquoted `~` or `~user` at the start of a word.
    case tilde(String)
}

/// A shell word as the shell would see it before expansion: quotes removed, expansions kept apart.
struct ShellWord {
    var segments: [ShellSegment] = []
    var line: Int
    /// The word as written in the script (with its quotes), for messages.
    var source: String = ""

    /// The word's text when it has no expansions at all.
    var literal: String? {
        var s = ""
        for seg in segments {
            guard case .literal(let t) = seg else { return nil }
            s += t
        }
        return s
    }

    /// The text with expansions shown as written (`$DIR/x`), for name matching of commands and options.
    var text: String {
        var s = ""
        for seg in segments {
            switch seg {
            case .literal(let t): s += t
            case .variable(let n, let op, let arg): s += op.isEmpty ? "$" + n : "${" + n + op + arg + "}"
            case .substitution: s += "$(...)"
            case .arithmetic: s += "$((...))"
            case .tilde(let u): s += "~" + u
            }
        }
        return s
    }
}

/// A token of a shell script.
enum ShellToken {
    case word(ShellWord)
    /// `;` `;;` `&` `&&` `|` `||` `|&` `(` `)` `{` `}` or a newline ("\n").
    case op(String, line: Int)
    /// A redirection operator (`>`, `>>`, `&>`, `<<`...); `heredoc` indexes `ShellLexer.heredocs` for `<<`.
    case redirect(String, line: Int, heredoc: Int?)
}

/// A here-document body and the line it starts on.
struct Heredoc {
    var body = ""
    var startLine = 0
}

/// A forgiving shell tokenizer: it never fails, it only has to be right about what a shell would run.
/// Comments are dropped (and their ranges kept so user rules can skip them), quotes removed, expansions kept
/// as segments, here-document bodies collected. Unterminated quotes run to the end of the script.
struct ShellLexer {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private(set) var tokens: [ShellToken] = []
    private(set) var heredocs: [Heredoc] = []
    /// Scalar offsets [start, end) of comments.
    private(set) var commentRanges: [Range<Int>] = []
    private var pendingHeredocs: [(index: Int, delimiter: String, stripTabs: Bool)] = []
    private var expectHeredocDelimiter: (index: Int, stripTabs: Bool)? = nil
    /// The word being read and its pending literal text (kept here so helpers can extend them).
    private var word = ShellWord(line: 0)
    private var lit = String.UnicodeScalarView()

    init(_ script: String) {
        s = Array(script.unicodeScalars)
        run()
    }

    private func at(_ k: Int) -> Unicode.Scalar? { k >= 0 && k < s.count ? s[k] : nil }

    private static let operatorStarts: Set<Unicode.Scalar> = [";", "&", "|", "(", ")", "<", ">"]
    private static func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" }

    private static func string(_ xs: ArraySlice<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: xs)
        return String(v)
    }

    private mutating func run() {
        while i < s.count {
            let c = s[i]
            if ShellLexer.isBlank(c) {
                i += 1
            } else if c == "\n" {
                tokens.append(.op("\n", line: line))
                i += 1
                line += 1
                readHeredocBodies()
            } else if c == "\\" && at(i + 1) == "\n" {
                i += 2
                line += 1
            } else if c == "#" {
                skipComment()
            } else if ShellLexer.operatorStarts.contains(c) {
                readOperator()
            } else if c == "{" && isGroupBrace() {
                tokens.append(.op("{", line: line))
                i += 1
            } else if c == "}" {
                // At the start of a word `}` closes a group; inside a word it is text.
                tokens.append(.op("}", line: line))
                i += 1
            } else {
                readWord()
            }
        }
    }

    private mutating func skipComment() {
        let start = i
        while i < s.count && s[i] != "\n" { i += 1 }
        commentRanges.append(start..<i)
    }

    /// `{` opens a group unless it starts a brace expansion (`{a,b}`, `{1..5}`) before any blank or operator.
    private func isGroupBrace() -> Bool {
        var k = i + 1
        while let c = at(k) {
            if c == "}" { return true }
            if c == "," { return false }
            if c == "." && at(k + 1) == "." { return false }
            if ShellLexer.isBlank(c) || c == "\n" || ShellLexer.operatorStarts.contains(c) { return true }
            k += 1
        }
        return true
    }

    private mutating func readOperator() {
        let c = s[i]
        let n1 = at(i + 1), n2 = at(i + 2)
        func emit(_ text: String, _ len: Int) {
            tokens.append(.op(text, line: line))
            i += len
        }
        func redirect(_ text: String, _ len: Int) {
            var heredoc: Int? = nil
            if text == "<<" || text == "<<-" {
                heredocs.append(Heredoc())
                heredoc = heredocs.count - 1
                expectHeredocDelimiter = (heredocs.count - 1, text == "<<-")
            }
            tokens.append(.redirect(text, line: line, heredoc: heredoc))
            i += len
        }
        switch c {
        case ";": n1 == ";" ? emit(";;", 2) : emit(";", 1)
        case "&":
            if n1 == "&" { emit("&&", 2) }
            else if n1 == ">" { n2 == ">" ? redirect("&>>", 3) : redirect("&>", 2) }
            else { emit("&", 1) }
        case "|": n1 == "|" ? emit("||", 2) : (n1 == "&" ? emit("|&", 2) : emit("|", 1))
        case "(", ")": emit(String(c), 1)
        case "<":
            if n1 == "<" { n2 == "<" ? redirect("<<<", 3) : (n2 == "-" ? redirect("<<-", 3) : redirect("<<", 2)) }
            else if n1 == ">" { redirect("<>", 2) }
            else if n1 == "&" { redirect("<&", 2) }
            else if n1 == "(" { readProcessSubstitution() }
            else { redirect("<", 1) }
        default: // ">"
            if n1 == ">" { redirect(">>", 2) }
            else if n1 == "|" { redirect(">|", 2) }
            else if n1 == "&" { redirect(">&", 2) }
            else if n1 == "(" { readProcessSubstitution() }
            else { redirect(">", 1) }
        }
    }

    /// `<(cmd)` and `>(cmd)`: a word whose body is a command substitution.
    private mutating func readProcessSubstitution() {
        let startLine = line
        i += 2
        let body = readBalanced(open: "(", close: ")")
        tokens.append(.word(ShellWord(segments: [.substitution(body)], line: startLine, source: "<(\(body))")))
    }

    private mutating func readWord() {
        let start = i
        word = ShellWord(line: line)
        lit = String.UnicodeScalarView()
        // An unquoted `~` or `~user` at the very start is a home folder.
        if s[i] == "~" {
            var k = i + 1
            while let c = at(k), c != "/", !ShellLexer.isBlank(c), c != "\n", !ShellLexer.operatorStarts.contains(c),
                  c != "\"", c != "'", c != "$", c != "`" { k += 1 }
            word.segments.append(.tilde(ShellLexer.string(s[(i + 1)..<k])))
            i = k
        }
        loop: while i < s.count {
            let c = s[i]
            switch c {
            case " ", "\t", "\r", "\n", ";", "&", "|", "(", ")", "<", ">":
                // `2>` and `2>&1`: the digits were a file descriptor, not a word.
                if (c == ">" || c == "<"), word.segments.isEmpty, !lit.isEmpty,
                   String(lit).allSatisfy({ $0.isASCII && $0.isNumber }) {
                    lit = String.UnicodeScalarView()
                    return
                }
                break loop
            case "\\":
                if let n = at(i + 1) {
                    if n == "\n" { line += 1 } else { lit.append(n) }
                    i += 2
                } else {
                    i += 1
                }
            case "'":
                i += 1
                while i < s.count && s[i] != "'" {
                    if s[i] == "\n" { line += 1 }
                    lit.append(s[i])
                    i += 1
                }
                i += 1
            case "\"":
                i += 1
                readDoubleQuoted()
            case "$":
                if at(i + 1) == "'" {
                    i += 2
                    readANSIQuoted()
                } else if at(i + 1) == "\"" {
                    i += 2
                    readDoubleQuoted()
                } else {
                    readDollar()
                }
            case "`":
                flush()
                i += 1
                word.segments.append(.substitution(readBackticks()))
            default:
                lit.append(c)
                i += 1
            }
        }
        flush()
        word.source = ShellLexer.string(s[start..<min(i, s.count)])
        let word = self.word
        if let (index, strip) = expectHeredocDelimiter {
            expectHeredocDelimiter = nil
            pendingHeredocs.append((index, word.literal ?? word.text, strip))
        }
        tokens.append(.word(word))
    }

    private mutating func flush() {
        if !lit.isEmpty {
            word.segments.append(.literal(String(lit)))
            lit = String.UnicodeScalarView()
        }
    }

    private mutating func readDoubleQuoted() {
        while i < s.count && s[i] != "\"" {
            let c = s[i]
            if c == "\\", let n = at(i + 1), "$`\"\\\n".unicodeScalars.contains(n) {
                if n == "\n" { line += 1 } else { lit.append(n) }
                i += 2
            } else if c == "$" {
                readDollar()
            } else if c == "`" {
                flush()
                i += 1
                word.segments.append(.substitution(readBackticks()))
            } else {
                if c == "\n" { line += 1 }
                lit.append(c)
                i += 1
            }
        }
        i += 1
    }

    /// `$'...'`: backslash escapes are kept as the escaped character (good enough to read paths).
    private mutating func readANSIQuoted() {
        while i < s.count && s[i] != "'" {
            if s[i] == "\\", let n = at(i + 1) {
                // \xHH, \NNN (octal), \uHHHH and \UHHHHHHHH spell any character: a path can hide in them.
                func number(from k: Int, radix: Int, max: Int) -> (Unicode.Scalar, Int)? {
                    var j = k
                    var digits = ""
                    while j < s.count, digits.count < max, let c = Character(s[j]).hexDigitValue, c < radix {
                        digits.append(Character(s[j]))
                        j += 1
                    }
                    guard !digits.isEmpty, let v = UInt32(digits, radix: radix), let u = Unicode.Scalar(v) else { return nil }
                    return (u, j)
                }
                var decoded: (Unicode.Scalar, Int)? = nil
                switch n {
                case "x": decoded = number(from: i + 2, radix: 16, max: 2)
                case "u": decoded = number(from: i + 2, radix: 16, max: 4)
                case "U": decoded = number(from: i + 2, radix: 16, max: 8)
                case "0"..."7": decoded = number(from: i + 1, radix: 8, max: 3)
                default: break
                }
                if let (u, next) = decoded {
                    lit.append(u)
                    i = next
                    continue
                }
                switch n {
                case "n": lit.append("\n")
                case "t": lit.append("\t")
                default: lit.append(n)
                }
                i += 2
                continue
            }
            if s[i] == "\n" { line += 1 }
            lit.append(s[i])
            i += 1
        }
        i += 1
    }

    private mutating func readDollar() {
        let n = at(i + 1)
        if n == "(" {
            flush()
            if at(i + 2) == "(" {
                i += 3
                _ = readBalanced(open: "(", close: ")")
                if at(i) == ")" { i += 1 }
                word.segments.append(.arithmetic)
            } else {
                i += 2
                word.segments.append(.substitution(readBalanced(open: "(", close: ")")))
            }
        } else if n == "{" {
            flush()
            i += 2
            let body = readBalanced(open: "{", close: "}")
            word.segments.append(ShellLexer.parameter(body))
        } else if let n, n == "_" || (n.properties.isAlphabetic && n.isASCII) {
            flush()
            var k = i + 1
            while let c = at(k), c == "_" || (c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))) { k += 1 }
            word.segments.append(.variable(name: ShellLexer.string(s[(i + 1)..<k]), op: "", arg: ""))
            i = k
        } else if let n, "0123456789@*#?$!-".unicodeScalars.contains(n) {
            flush()
            word.segments.append(.variable(name: String(n), op: "", arg: ""))
            i += 2
        } else {
            lit.append("$")
            i += 1
        }
    }

    /// The inside of `${...}`: name, then an operator such as `:-`, `:?`, `#`, `%`, `/`.
    static func parameter(_ body: String) -> ShellSegment {
        let u = Array(body.unicodeScalars)
        if u.first == "#" && u.count > 1 { return .arithmetic } // ${#x}: a length, never empty
        var k = 0
        while k < u.count, u[k] == "_" || (u[k].isASCII && (u[k].properties.isAlphabetic || ("0"..."9").contains(u[k]))) {
            k += 1
        }
        if k == 0 && !u.isEmpty { k = 1 } // ${1}, ${@}
        let name = string(u[0..<k])
        var op = ""
        var rest = k
        if rest < u.count {
            if u[rest] == ":" && rest + 1 < u.count && "-=?+".unicodeScalars.contains(u[rest + 1]) {
                op = string(u[rest...(rest + 1)])
                rest += 2
            } else {
                op = String(u[rest])
                rest += 1
            }
        }
        var arg = string(u[min(rest, u.count)...])
        // Quotes inside a default value only group: drop them so the value reads as a path.
        arg.removeAll { $0 == "\"" || $0 == "'" }
        return .variable(name: name, op: op, arg: arg)
    }

    /// Reads up to the matching `close` (the opener is already consumed), skipping quoted text; returns the body.
    private mutating func readBalanced(open: Unicode.Scalar, close: Unicode.Scalar) -> String {
        let start = i
        var depth = 1
        while i < s.count {
            let c = s[i]
            if c == "\n" { line += 1 }
            if c == "\\" {
                i += 2
                continue
            }
            if c == "'" || c == "\"" {
                i += 1
                while i < s.count && s[i] != c {
                    if s[i] == "\\" && c == "\"" { i += 1 }
                    if i < s.count && s[i] == "\n" { line += 1 }
                    i += 1
                }
                i += 1
                continue
            }
            if c == open { depth += 1 }
            if c == close {
                depth -= 1
                if depth == 0 {
                    let body = ShellLexer.string(s[start..<i])
                    i += 1
                    return body
                }
            }
            i += 1
        }
        return ShellLexer.string(s[min(start, s.count)..<s.count])
    }

    private mutating func readBackticks() -> String {
        var body = String.UnicodeScalarView()
        while i < s.count && s[i] != "`" {
            if s[i] == "\\", let n = at(i + 1) {
                body.append(n)
                i += 2
                continue
            }
            if s[i] == "\n" { line += 1 }
            body.append(s[i])
            i += 1
        }
        i += 1
        return String(body)
    }

    /// After a newline: the bodies of here-documents opened on the line just ended, in order.
    private mutating func readHeredocBodies() {
        let pending = pendingHeredocs
        pendingHeredocs = []
        for (index, delimiter, stripTabs) in pending {
            var body = String.UnicodeScalarView()
            let startLine = line
            while i < s.count {
                var end = i
                while end < s.count && s[end] != "\n" { end += 1 }
                var lineText = ShellLexer.string(s[i..<end])
                if lineText.hasSuffix("\r") { lineText.removeLast() }
                let compared = stripTabs ? String(lineText.drop(while: { $0 == "\t" })) : lineText
                i = min(end + 1, s.count)
                line += 1
                if compared == delimiter { break }
                body.append(contentsOf: lineText.unicodeScalars)
                body.append("\n")
            }
            if index < heredocs.count { heredocs[index] = Heredoc(body: String(body), startLine: startLine) }
        }
    }
}
