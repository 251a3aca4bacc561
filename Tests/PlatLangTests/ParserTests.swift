import Foundation
import PlatTestKit
import Testing
@testable import PlatLang

/// Parses `source` and returns the tree printed fully parenthesised, plus the diagnostics as `line:col: message`.
private func parse(_ source: String) -> (tree: String, errors: [String]) {
    let (program, diagnostics) = parseProgram(SourceFile(path: "t.plat", text: source))
    let errors = diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.col ?? 0): \($0.message)" }
    return (TreePrinter.program(program.statements), errors)
}

/// The tree of a source that must parse without errors.
private func tree(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let (tree, errors) = parse(source)
    #expect(errors.isEmpty, "\(errors)", sourceLocation: sourceLocation)
    return tree
}

/// The diagnostics of a source that must not parse.
private func errors(_ source: String) -> [String] { parse(source).errors }

private func program(_ source: String) -> Program { parseProgram(SourceFile(path: "t.plat", text: source)).program }

/// Test-only: prints the syntax tree fully parenthesised, so precedence and structure are visible in one line.
enum TreePrinter {
    static func program(_ stmts: [Stmt]) -> String { stmts.map(stmt).joined(separator: "; ") }

    static func block(_ b: Block) -> String {
        b.statements.isEmpty ? "{ }" : "{ " + b.statements.map(stmt).joined(separator: "; ") + " }"
    }

    static func params(_ ps: [Param]) -> String {
        ps.map { p in
            var s = p.name
            if let t = p.type { s += ": \(t.rawValue)" }
            if let d = p.defaultValue { s += " = \(expr(d))" }
            return s
        }.joined(separator: ", ")
    }

    static func args(_ a: [Argument]) -> String {
        a.map { ($0.name.map { "\($0): " } ?? "") + expr($0.value) }.joined(separator: ", ")
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func stmt(_ s: Stmt) -> String {
        switch s.kind {
        case .expr(let e): return expr(e)
        case .varDecl(let isLet, let name, _, let value): return "\(isLet ? "let" : "var") \(name) = \(expr(value))"
        case .assign(let target, let op, let value): return "\(expr(target)) \(op?.rawValue ?? "=") \(expr(value))"
        case .ifStmt(let clauses, let elseBody):
            var out = clauses.map { "if \(expr($0.condition)) \(block($0.body))" }.joined(separator: " else ")
            if let e = elseBody { out += " else \(block(e))" }
            return out
        case .forIn(let names, let iterable, let body):
            return "for \(names.map(\.name).joined(separator: ", ")) in \(expr(iterable)) \(block(body))"
        case .whileStmt(let c, let body): return "while \(expr(c)) \(block(body))"
        case .declaration(let kind, let label, _, let target, let body):
            return "\(kind) \(quote(label))\(target.map { " for \($0)" } ?? "") \(expr(body))"
        case .breakStmt: return "break"
        case .continueStmt: return "continue"
        case .returnStmt(let e): return e.map { "return \(expr($0))" } ?? "return"
        case .fnDecl(let f): return "fn \(f.name ?? "?")(\(params(f.params))) \(block(f.body))"
        case .planDecl(let p): return "plan \(p.name)(\(params(p.params))) \(block(p.body))"
        case .step(let name, _, let options, let body):
            return "step \(quote(name))\(options.isEmpty ? "" : ", " + args(options)) \(block(body))"
        case .tryCatch(let body, let name, _, let handler):
            return "try \(block(body)) catch \(name.map { "\($0) " } ?? "")\(block(handler))"
        case .assertStmt(let c, let m): return "assert \(expr(c))\(m.map { ", " + expr($0) } ?? "")"
        case .importStmt(let path, let alias, _): return "import \(quote(path)) as \(alias)"
        }
    }

    static func expr(_ e: Expr) -> String {
        switch e.kind {
        case .intLit(let v): return "\(v)"
        case .floatLit(let v): return "\(v)"
        case .stringLit(let s): return quote(s)
        case .interpolated(let parts):
            return "interp(" + parts.map { part -> String in
                switch part {
                case .text(let t): return quote(t)
                case .expr(let x): return expr(x)
                }
            }.joined(separator: ", ") + ")"
        case .boolLit(let b): return "\(b)"
        case .nilLit: return "nil"
        case .durationLit(let ms): return "dur(\(ms))"
        case .sizeLit(let b): return "size(\(b))"
        case .name(let n): return n
        case .list(let items): return "[" + items.map(expr).joined(separator: ", ") + "]"
        case .map(let entries): return "{" + entries.map { "\(expr($0.key)): \(expr($0.value))" }.joined(separator: ", ") + "}"
        case .unary(let op, let x): return "(\(op.rawValue)\(op == .not ? " " : "")\(expr(x)))"
        case .binary(let op, let l, let r): return "(\(expr(l)) \(op.rawValue) \(expr(r)))"
        case .call(let callee, let a): return "\(expr(callee))(\(args(a)))"
        case .index(let b, let i): return "\(expr(b))[\(expr(i))]"
        case .member(let b, let name, _): return "\(expr(b)).\(name)"
        case .slice(let b, let lo, let hi, let step):
            return "\(expr(b))[\(lo.map(expr) ?? ""):\(hi.map(expr) ?? "")\(step.map { ":" + expr($0) } ?? "")]"
        case .conditional(let c, let t, let f): return "(if \(expr(c)) then \(expr(t)) else \(expr(f)))"
        case .function(let f):
            if f.isArrow, case .returnStmt(let r?) = f.body.statements.first?.kind {
                return "fn(\(params(f.params))) => \(expr(r))"
            }
            return "fn(\(params(f.params))) \(block(f.body))"
        }
    }
}

@Suite("parser: expressions")
struct ParserExpressionTests {
    @Test("precedence and associativity", arguments: [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("a / b // c % d", "(((a / b) // c) % d)"),
        ("-a * b", "((-a) * b)"),
        ("-a.b(c)[d]", "(-a.b(c)[d])"),
        ("- -a", "(-(-a))"),
        ("a or b and c", "(a or (b and c))"),
        ("a and b or c and d", "((a and b) or (c and d))"),
        ("not a == b", "(not (a == b))"),
        ("not a and b", "((not a) and b)"),
        ("a or not b", "(a or (not b))"),
        ("not not a", "(not (not a))"),
        ("a + 1 < b * 2", "((a + 1) < (b * 2))"),
        ("a in xs and b not in ys", "((a in xs) and (b not in ys))"),
        ("a == b != c or d", "ERR"),
        ("(a + b) * c", "((a + b) * c)"),
        ("f(x)(y)[0].z", "f(x)(y)[0].z"),
        ("x.y.z(1, k: 2,)", "x.y.z(1, k: 2)"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("[1, [2, 3],]", "[1, [2, 3]]"),
        ("{a: 1, \"b-c\": 2, 3: 4, if: 5,}", "{\"a\": 1, \"b-c\": 2, 3: 4, \"if\": 5}"),
        ("{}", "{}"),
        ("fn(x, y = 2) => x + y", "fn(x, y = 2) => (x + y)"),
        ("fn(x) { return x }", "fn(x) { return x }"),
        ("\"a\\(b + 1)c\"", "interp(\"a\", (b + 1), \"c\")"),
        ("\"v=\\(m[\"k\"])\"", "interp(\"v=\", m[\"k\"])"),
        ("\"\\(\"in \\(\"ner\")\")\"", "interp(interp(\"in \", \"ner\"))"),
        ("r\"\\(x)\"", "\"\\\\(x)\""),
        ("1h30m + 2KiB", "(dur(5400000) + size(2048))"),
        ("true and false or nil", "((true and false) or nil)"),
    ])
    func precedence(source: String, expected: String) {
        let (tree, errors) = parse("x = " + source)
        if expected == "ERR" {
            #expect(!errors.isEmpty)
        } else {
            #expect(errors.isEmpty, "\(errors)")
            #expect(tree == "x = " + expected)
        }
    }

    @Test func comparisonsDoNotChain() {
        let (_, diagnostics) = parseProgram(SourceFile(path: "t.plat", text: "let ok = a < b < c"))
        #expect(diagnostics.map(\.message) == ["comparison operators cannot be chained"])
        #expect(diagnostics.first?.hint == "write a < b and b < c")
        #expect(diagnostics.first?.location?.col == 16)
    }

    @Test func lineBreaksInsideBracketsAndAfterOperators() {
        #expect(tree("let x = f(\n  1,\n  k: [\n    2,\n  ],\n)\n") == "let x = f(1, k: [2])")
        #expect(tree("let m = {\n  a: 1,\n\n  b: 2\n}") == "let m = {\"a\": 1, \"b\": 2}")
        #expect(tree("let y = 1 +\n  2 *\n  3") == "let y = (1 + (2 * 3))")
        #expect(tree("let ok = a and\n  b") == "let ok = (a and b)")
        #expect(tree("let z = (1\n + 2)") == "let z = (1 + 2)")
    }

    @Test func aLineStartingWithADotContinuesTheExpression() {
        #expect(tree("xs\n  .map(f)\n  # a comment\n  .filter(g)\nprint(1)") == "xs.map(f).filter(g); print(1)")
    }

    @Test func arrowFunctionsHaveABlockWithOneReturn() throws {
        let p = program("let f = fn(x) => x * 2")
        guard case .varDecl(_, _, _, let value) = p.statements.first?.kind, case .function(let decl) = value.kind else {
            Issue.record("not a function")
            return
        }
        #expect(decl.isArrow)
        #expect(decl.name == nil)
        #expect(decl.body.statements.count == 1)
        guard case .returnStmt(let r?) = decl.body.statements.first?.kind else { Issue.record("no return"); return }
        #expect(r.loc.col == 20)
    }

    @Test func locations() {
        // Binary: the operator; call: `(`; index: `[`; member: `.`; everything else: its first token.
        let p = program("x = a + f(1)[2].b")
        guard case .assign(let target, _, let value) = p.statements.first?.kind else { Issue.record(); return }
        #expect(p.statements.first?.loc.col == 1)
        #expect(target.loc.col == 1)
        #expect(value.loc.col == 7)
        guard case .binary(_, let a, let rhs) = value.kind else { Issue.record(); return }
        #expect(a.loc.col == 5)
        #expect(rhs.loc.col == 16)  // member: the '.'
        guard case .member(let idx, _, let nameLoc) = rhs.kind else { Issue.record(); return }
        #expect(nameLoc.col == 17)
        #expect(idx.loc.col == 13)  // index: the '['
        guard case .index(let call, _) = idx.kind else { Issue.record(); return }
        #expect(call.loc.col == 10)  // call: the '('
        #expect(p.statements.first?.loc.file === p.file)

        let q = program("\n\n  let s = \"a\\(b)\"")
        #expect(q.statements.first.map { "\($0.loc.line):\($0.loc.col)" } == "3:3")
        guard case .varDecl(_, _, let nameLoc, let str) = q.statements.first?.kind,
              case .interpolated(let parts) = str.kind, case .expr(let b) = parts[1] else { Issue.record(); return }
        #expect(nameLoc.col == 7)
        #expect(b.loc.line == 3 && b.loc.col == 15)
    }

    @Test func namedAndPositionalArguments() {
        #expect(errors("f(a: 1, 2)") == ["1:9: a positional argument cannot follow a named argument"])
        #expect(tree("f(1, not: 2, step: 3)") == "f(1, not: 2, step: 3)")
    }

    @Test func mapKeys() {
        #expect(errors("x = {\"a\\(b)\": 1}") == ["1:6: a map key must be a plain string, without interpolation"])
        #expect(errors("x = {[1]: 2}") == ["1:6: expected a map key (a name, a string or an integer), found '['"])
        #expect(errors("x = {a = 1}") == ["1:8: expected ':' after the map key, found '='"])
    }

    @Test func integerTooLargeUnlessNegated() {
        #expect(errors("x = 9223372036854775808") == ["1:5: integer literal is too large"])
        #expect(tree("x = -9223372036854775807 - 1") == "x = ((-9223372036854775807) - 1)")
    }
}

@Suite("parser: statements")
struct ParserStatementTests {
    @Test func everyStatementForm() {
        let source = """
        let name = "web"
        var count = 0
        count += 1; count -= 1; count *= 2; count /= 2
        m["k"][0] = 1
        a.b.c = 2
        if count > 0 and not false { print("yes") } else if count == 0 { print("zero") } else { print("no") }
        for x in xs { print(x) }
        for k, v in m { print(k, v) }
        while count < 3 { count += 1; if count == 2 { break } else { continue } }
        fn add(a, b = 1) { return a + b }
        fn nothing() { return }
        plan main { }
        plan deploy(biz: string, env: string = "test", n: int, batch,) { step "drain" { } }
        step "start", retry: 2, backoff: 10s { sleep(1s) }
        try { fail("boom") } catch err { print(err.message) }
        try { } catch { }
        assert len(xs) == 3, "three items"
        assert ok
        import "std/strings" as strings
        """
        #expect(tree(source).components(separatedBy: "; ") == [
            "let name = \"web\"", "var count = 0", "count += 1", "count -= 1", "count *= 2", "count /= 2",
            "m[\"k\"][0] = 1", "a.b.c = 2",
            "if ((count > 0) and (not false)) { print(\"yes\") } else if (count == 0) { print(\"zero\") } else { print(\"no\") }",
            "for x in xs { print(x) }", "for k, v in m { print(k, v) }",
            "while (count < 3) { count += 1", "if (count == 2) { break } else { continue } }",
            "fn add(a, b = 1) { return (a + b) }", "fn nothing() { return }", "plan main() { }",
            "plan deploy(biz: string, env: string = \"test\", n: int, batch) { step \"drain\" { } }",
            "step \"start\", retry: 2, backoff: dur(10000) { sleep(dur(1000)) }",
            "try { fail(\"boom\") } catch err { print(err.message) }", "try { } catch { }",
            "assert (len(xs) == 3), \"three items\"", "assert ok", "import \"std/strings\" as strings",
        ])
    }

    @Test func statementsAfterABlockMayShareTheLine() {
        #expect(tree("for x in xs { if x == 2 { continue } print(x) }")
                == "for x in xs { if (x == 2) { continue }; print(x) }")
        #expect(tree("fn f() { return 1 } f()") == "fn f() { return 1 }; f()")
        #expect(tree("if a { b() } c()\n\n\nd()") == "if a { b() }; c(); d()")
    }

    @Test func simpleStatementsNeedASeparator() {
        #expect(errors("a b") == ["1:3: expected a line break or ';' after the statement, found 'b'"])
        #expect(errors("let x = 1 let y = 2") == ["1:11: expected a line break or ';' after the statement, found 'let'"])
        #expect(tree("a; b;; c\n;") == "a; b; c")
        #expect(tree("if a { b }") == "if a { b }")
        #expect(tree("{ }\n".isEmpty ? "" : "f({})") == "f({})")
    }

    @Test func returnWithoutValue() {
        #expect(tree("fn f() { return }") == "fn f() { return }")
        #expect(tree("fn f() {\n  return\n  g()\n}") == "fn f() { return; g() }")
        #expect(tree("fn f() { return; }") == "fn f() { return }")
        #expect(tree("fn f() { return -1 }") == "fn f() { return (-1) }")
    }

    @Test func blankLinesAndCommentsAnywhere() {
        #expect(tree("\n\n# c\nfn f(\n  a, # first\n\n  b,\n) {\n\n  # inside\n\n  return a\n\n}\n\n") == "fn f(a, b) { return a }")
    }

    @Test func assignmentTargets() {
        #expect(errors("f() = 1") == ["1:1: cannot assign to this expression"])
        #expect(errors("x + 1 = 3") == ["1:1: cannot assign to this expression"])
        #expect(errors("\"s\" += 1") == ["1:1: cannot assign to this expression"])
        #expect(tree("m[\"k\"][0].v += 1") == "m[\"k\"][0].v += 1")
    }

    @Test func parameters() {
        #expect(tree("fn f(a: int = 1, b: list, c = [1,],) { }") == "fn f(a: int = 1, b: list, c = [1]) { }")
        let (_, diagnostics) = parseProgram(SourceFile(path: "t.plat", text: "plan p(a: strng) { }"))
        #expect(diagnostics.map(\.message) == ["unknown type 'strng'"])
        #expect(diagnostics.first?.hint?.hasPrefix("did you mean 'string'? the types are string, int, float") == true)
        #expect(errors("fn f(for) { }") == ["1:6: expected a parameter name, found 'for'"])
    }
}

@Suite("parser: errors and recovery")
struct ParserErrorTests {
    @Test func messagesSayWhatWasExpectedAndWhatWasFound() {
        #expect(errors("x = 1\n\n    abcd(1 foo)") == ["3:12: expected ')' to close the call started at 3:9, found 'foo'"])
        #expect(errors("if a { let x = }") == ["1:16: expected an expression, found '}'"])
        #expect(errors("if x {\n}\nelse {\n}") == ["3:1: unexpected 'else' (an else must follow the closing '}' of an if on the same line)"])
        #expect(errors("let x") == ["1:6: expected '=' and a value after 'let x', found end of file"])
        #expect(errors("var y\n") == ["1:6: expected '=' and a value after 'var y', found end of line"])
        #expect(errors("let for = 1") == ["1:5: expected a name after 'let', found 'for'"])
        #expect(errors("if x = 1 { }") == ["1:6: expected '{' after the if condition, found '='"])
        #expect(errors("if { }") == ["1:4: expected a condition after 'if', found '{'"])
        #expect(errors("while x\n{ }") == ["1:8: expected '{' after the while condition, found end of line"])
        #expect(parse("while x\n{ y() }").tree == "while x { y() }")
        #expect(errors("f(1, 2") == ["1:7: expected ')' to close the call started at 1:2, found end of file"])
        #expect(errors("x = [1, 2") == ["1:10: expected ']' to close the list started at 1:5, found end of file"])
        #expect(errors("x = a[1") == ["1:8: expected ']' to close the index started at 1:6, found end of file"])
        #expect(errors("fn f() {\n  g()\n") == ["3:1: expected '}' to close the block started at 1:8, found end of file"])
        #expect(errors("}") == ["1:1: unexpected '}' (there is no open block to close)"])
        #expect(errors("try { }\ncatch { }") == ["2:1: unexpected 'catch' (a catch must follow the closing '}' of a try on the same line)"])
        #expect(parse("if a { b() }\nelse { c() }").tree == "if a { b() } else { c() }")
        #expect(errors("try { }") == ["1:8: expected 'catch' after the try block, found end of file"])
        #expect(errors("step \"a\\(x)\" { }") == ["1:6: a step name must be a plain string, without interpolation"])
        #expect(errors("step main { }") == ["1:6: expected the step's name as a string after 'step', found 'main'"])
        #expect(errors("import strings") == ["1:8: expected the path of the module as a plain string after 'import', found 'strings'"])
        #expect(errors("import \"std/strings\"") == ["1:21: expected 'as' and a name after the import path, found end of file"])
        #expect(errors("x = fn add(a) { }") == ["1:8: expected '(' after 'fn', found 'add'"])
        #expect(errors("x = (1 + 2") == ["1:11: expected ')' to close the '(' at 1:5, found end of file"])
        #expect(errors("x = a.1") == ["1:7: expected a name after '.', found '1'"])
        #expect(errors("x = \"\\(1 +)\"") == ["1:11: expected an expression, found ')'"])
        #expect(errors("x = \"\\(a b)\"") == ["1:10: expected ')' to close the interpolation started at 1:6, found 'b'"])
    }

    @Test func renderedDiagnosticHasPathCaretAndHint() {
        let (_, diagnostics) = parseProgram(SourceFile(path: "dir/a.plat", text: "let y = a < b < c\n"))
        #expect(diagnostics.first?.rendered() == """
            dir/a.plat:1:15: error: comparison operators cannot be chained
                let y = a < b < c
                              ^
            hint: write a < b and b < c

            """)
        #expect(diagnostics.first?.phase == .parse)
    }

    @Test func everyIndependentErrorIsReported() {
        let source = """
        let a = 1 + * 2
        print("ok")
        fn f(x { return x }
        let c = [1, 2
        for x in xs { print(x) }
        if a = 1 {
          print(a)
          let z = 2
        }
        let d = }
        let e = 10x
        print(f(1,
        let g = 3
        """
        #expect(errors(source) == [
            "1:13: expected an expression, found '*'",
            "3:8: expected ')' to close the parameters started at 3:5, found '{'",
            "5:1: expected ']' to close the list started at 4:9, found 'for'",
            "6:6: expected '{' after the if condition, found '='",
            "10:9: expected an expression, found '}'",
            "11:11: unknown unit 'x'",
            "13:1: expected an expression, found 'let'",
        ])
        // A line the recovery skipped is lost; the statements around the errors are kept.
        #expect(parse(source).tree == "print(\"ok\"); let e = dur(0)")
        #expect(parse("let a = \nlet b = 2\nfor x in xs { print(x) }").tree == "let b = 2; for x in xs { print(x) }")
    }

    @Test func recoveryInsideBlocksKeepsTheBlock() {
        let (tree, errors) = parse("fn f() {\n  let x = = 1\n  return 2\n}\nf()")
        #expect(errors == ["2:11: expected an expression, found '='"])
        #expect(tree == "fn f() { return 2 }; f()")
    }

    @Test func atMostTwentyDiagnostics() {
        let source = (1...50).map { "let x\($0) = )" }.joined(separator: "\n")
        let found = errors(source)
        #expect(found.count == 20)
        #expect(found.first == "1:10: expected an expression, found ')'")
        #expect(found.last == "20:11: expected an expression, found ')'")
    }

    @Test func noCascadeAfterALexerError() {
        #expect(errors("let a = 1 @ 2\nlet b = 3 ` 4") == ["1:11: unexpected character '@'", "2:11: unexpected character '`'"])
        #expect(errors("let s = \"abc\nlet t = 1") == ["1:9: unterminated string"])
    }

    @Test func nestingIsLimited() {
        let ok = "x = " + String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)
        #expect(errors(ok).isEmpty)
        let deepBlocks = String(repeating: "if a {\n", count: 150) + String(repeating: "}\n", count: 150)
        #expect(errors(deepBlocks).isEmpty)
        // Long chains nest the tree as deeply as brackets do, and count the same way.
        #expect(errors("x = " + Array(repeating: "a", count: 150).joined(separator: " + ")).isEmpty)
        #expect(errors("x = " + Array(repeating: "a", count: 300).joined(separator: " + ")) == ["1:803: nested too deeply (limit 200)"])
        #expect(errors("x = a" + String(repeating: ".b", count: 300)) == ["1:404: nested too deeply (limit 200)"])
        for open in ["(", "[", "-", "not ", "{a: ", "fn() => ", "if a { ", "f(", "\"\\("] {
            let source = "x = " + String(repeating: open, count: 300)
            let found = errors(source)
            #expect(found.contains { $0.hasSuffix("nested too deeply (limit 200)") }, "\(open): \(found)")
        }
    }

    @Test func tenMegabytesOfOpenParensIsQuick() {
        let source = String(repeating: "(", count: 10_000_000)
        let file = SourceFile(path: "t.plat", text: source)
        let start = Date()
        let (_, diagnostics) = parseProgram(file)
        // A bound against a quadratic or exponential parse (minutes), not a speed target: loaded machines
        // (a CI runner building beside the tests) take many times the quiet figure.
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(diagnostics.map(\.message) == ["nested too deeply (limit 200)"])
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededRandom(seed: 0x5EED)
        let fragments = ["let ", "var ", "x", " = ", "1", "(", ")", "[", "]", "{", "}", "\"", "\\(", "\"\"\"\n", "r\"",
                         ",", ":", ".", "\n", "if ", "else ", "for ", " in ", "fn", "=>", "+", "-", "not ", "and ",
                         "5m", "1.5h", "0x", "#", "step ", "plan ", "try ", "catch ", "return ", "\u{FFFD}", "@"]
        for round in 0..<400 {
            var text = ""
            if round % 2 == 0 {
                var bytes: [UInt8] = []
                for _ in 0..<Int(rng.next() % 200) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                for _ in 0..<Int(rng.next() % 60) { text += fragments[Int(rng.next() % UInt64(fragments.count))] }
            }
            let (_, diagnostics) = parseProgram(SourceFile(path: "fuzz.plat", text: text))
            #expect(diagnostics.count <= 20)
            for d in diagnostics { _ = d.rendered() }
        }
    }

    @Test func aMegabyteOfOrdinaryCodeParsesQuickly() {
        let chunk = """
        fn deploy(biz: string, env: string = "test") {
            let web = cmdb.hosts(biz: biz, module: "web", env: env)
            var count = 0
            for h in web {
                if h.status == "up" and not h.draining { count += 1 } else { print("host \\(h.name) down") }
            }
            let m = {biz: biz, "x-y": [1, 2, 3], timeout: 30s, size: 20MB}
            return m["x-y"][0] + len(web) // 2 % 3
        }

        """
        let source = String(repeating: chunk, count: 1_000_000 / chunk.utf8.count + 1)
        let start = Date()
        let (program, diagnostics) = parseProgram(SourceFile(path: "big.plat", text: source))
        // A guard against accidental quadratic behaviour, not a benchmark (a debug build takes about 0.5 s).
        // A bound against a quadratic parse (minutes), not a speed target (see above).
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(diagnostics.isEmpty)
        #expect(program.statements.count > 2000)
    }
}

