import Foundation

/// Fork bombs, found in the token stream rather than command by command.
extension ShellChecker {
    // MARK: - Fork bombs

    /// `f() { f | f & }; f` in any spacing (`:(){ :|:& };:`), also `function f { ... }`: a function whose body
    /// starts two copies of itself at once (`f | f`, `f & f`). One background call (`f &`) is a respawn loop,
    /// not a bomb, and is left alone.
    func findForkBombs() {
        let t = lexer.tokens
        func word(_ k: Int) -> ShellWord? {
            guard k >= 0, k < t.count, case .word(let w) = t[k] else { return nil }
            return w
        }
        func op(_ k: Int) -> String? {
            guard k >= 0, k < t.count, case .op(let o, _) = t[k] else { return nil }
            return o
        }
        var k = 0
        while k < t.count {
            defer { k += 1 }
            guard let nameWord = word(k), let name = nameWord.literal else { continue }
            var b = k + 1
            if name == "function", let real = word(k + 1)?.literal {
                b = k + 2
                if op(b) == "(" && op(b + 1) == ")" { b += 2 }
                checkBody(named: real, from: b, line: nameWord.line)
            } else if op(b) == "(" && op(b + 1) == ")" {
                checkBody(named: name, from: b + 2, line: nameWord.line)
            }
        }

        func checkBody(named name: String, from start: Int, line: Int) {
            var b = start
            while op(b) == "\n" { b += 1 }
            guard op(b) == "{" || op(b) == "(" else { return }
            let open = op(b) ?? "{", close = open == "{" ? "}" : ")"
            var depth = 0
            var j = b
            while j < t.count {
                if let o = op(j) {
                    if o == open { depth += 1 }
                    if o == close { depth -= 1; if depth == 0 { break } }
                }
                // A call of the function at a command position, piped into itself or sent to the background.
                if let w = word(j), w.literal == name, j > 0, op(j - 1) != nil {
                    let next = op(j + 1)
                    if (next == "&" || next == "|" || next == "|&") && word(j + 2)?.literal == name {
                        reporter.report("fork-bomb", line: line, "\(name) is a fork bomb: it starts copies of itself without end")
                        return
                    }
                }
                j += 1
            }
        }
    }
}
