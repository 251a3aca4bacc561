import Foundation
import Testing

/// Exit codes and the diagnostic format: 1 for a program that failed at run time, 2 for input rejected
/// before anything ran.
@Suite("exit codes and diagnostics")
struct ExitCodeTests {
    @Test("a runtime error exits 1 with location, source line, caret and traceback; earlier prints stay on stdout")
    func runtimeError() throws {
        try CLI.with { cli in
            try cli.write("tb.plat", """
                fn inner(xs) {
                    return xs[5]
                }
                fn outer() {
                    return inner([1, 2])
                }
                print("before")
                outer()

                """)
            let r = try cli.run(["run", "tb.plat"])
            expectExit(r, 1)
            #expect(r.stdout == "before\n")
            #expect(r.diagnostics == """
                tb.plat:2:14: error: list index 5 out of range (length 2)
                        return xs[5]
                                 ^
                hint: valid indexes are 0 to 1, or -2 to -1
                Traceback (most recent call last):
                  tb.plat:8:6: in <toplevel>
                  tb.plat:5:17: in outer
                  tb.plat:2:14: in inner

                """)
        }
    }

    @Test("an uncaught fail exits 1 with its message and a traceback")
    func uncaughtFail() throws {
        try CLI.with { cli in
            try cli.write("fails.plat", """
                fn check(n) {
                    if n > 2 {
                        fail("too big: \\(n)")
                    }
                }
                print("start")
                check(5)

                """)
            let r = try cli.run(["run", "fails.plat"])
            expectExit(r, 1)
            #expect(r.stdout == "start\n")
            #expect(r.diagnostics == """
                fails.plat:3:13: error: too big: 5
                            fail("too big: \\(n)")
                                ^
                Traceback (most recent call last):
                  fails.plat:7:6: in <toplevel>
                  fails.plat:3:13: in check

                """)
        }
    }

    @Test("a failed assert exits 1 with its message")
    func failedAssert() throws {
        try CLI.with { cli in
            try cli.write("as.plat", "let x = 3\nassert x == 4, \"x should be 4\"\n")
            let r = try cli.run(["run", "as.plat"])
            expectExit(r, 1)
            #expect(r.stdout == "")
            #expect(r.diagnostics == """
                as.plat:2:1: error: assertion failed: x should be 4
                    assert x == 4, "x should be 4"
                    ^
                Traceback (most recent call last):
                  as.plat:2:1: in <toplevel>

                """)
        }
    }

    @Test("a failure inside a plan's step exits 1; the step's failure is reported on stderr")
    func failureInStep() throws {
        try CLI.with { cli in
            try cli.write("step.plat", """
                plan main() {
                    print("go")
                    step "deploy" {
                        fail("host unreachable")
                    }
                    print("not reached")
                }

                """)
            let r = try cli.run(["run", "step.plat"])
            expectExit(r, 1)
            #expect(r.stdout == "go\n")
            #expect(r.diagnostics.contains("▸ main/deploy\n"), "\(r)")
            #expect(r.diagnostics.contains("✗ main/deploy failed"), "\(r)")
            #expect(r.diagnostics.contains("step.plat:4:13: error: host unreachable\n"), "\(r)")
            #expect(r.diagnostics.contains("Traceback (most recent call last):\n"), "\(r)")
        }
    }

    @Test("parse errors exit 2 and every independent error of the file is reported; nothing runs")
    func parseErrors() throws {
        try CLI.with { cli in
            try cli.write("bad.plat", """
                print("not printed")
                let = 2
                var x = )
                if true print("no brace")
                print("end")

                """)
            let r = try cli.run(["run", "bad.plat"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics == """
                bad.plat:2:5: error: expected a name after 'let', found '='
                    let = 2
                        ^
                bad.plat:3:9: error: expected an expression, found ')'
                    var x = )
                            ^
                bad.plat:4:9: error: expected '{' after the if condition, found 'print'
                    if true print("no brace")
                            ^

                """)
        }
    }

    @Test("resolve errors exit 2, all of them together, with hints")
    func resolveErrors() throws {
        try CLI.with { cli in
            try cli.write("res.plat", """
                print("not printed")
                plan main() { print(zzz) }
                fn f() { break }
                let q = 1
                q += 1

                """)
            let r = try cli.run(["run", "res.plat"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics == """
                res.plat:2:21: error: undefined name 'zzz'
                    plan main() { print(zzz) }
                                        ^
                hint: did you mean 'zip'?
                res.plat:3:10: error: 'break' outside a loop
                    fn f() { break }
                             ^
                hint: break and continue only work inside for and while
                res.plat:5:1: error: cannot assign to 'q': it is declared with let (line 4)
                    q += 1
                    ^
                hint: declare it with var to change it

                """)
        }
    }

    @Test("a program recursing forever exits 1 with 'recursion too deep' and a collapsed traceback")
    func runawayRecursion() throws {
        try CLI.with { cli in
            try cli.write("rec.plat", "fn forever(n) {\n    return forever(n + 1)\n}\nforever(0)\n")
            let r = try cli.run(["run", "rec.plat"], timeout: 15)
            expectExit(r, 1)
            #expect(r.stdout == "")
            #expect(r.diagnostics.hasPrefix("rec.plat:"), "\(r)")
            #expect(r.diagnostics.contains("recursion too deep"), "\(r)")
            #expect(r.diagnostics.contains("Traceback (most recent call last):\n"))
            #expect(r.diagnostics.contains("more times]"))
            // The traceback collapses repeats: ten thousand frames must not become ten thousand lines.
            #expect(r.diagnostics.split(separator: "\n").count < 40, "\(r.diagnostics.split(separator: "\n").count) lines")
        }
    }

    @Test("the same program's recursion error is catchable and the run continues")
    func recursionCaught() throws {
        try CLI.with { cli in
            try cli.write("rec.plat", """
                fn forever(n) { return forever(n + 1) }
                try { forever(0) } catch e { print("caught:", "recursion too deep" in e.message) }
                print("still running")

                """)
            let r = try cli.run(["run", "rec.plat"], timeout: 15)
            expectExit(r, 0)
            #expect(r.stdout == "caught: true\nstill running\n")
        }
    }

    @Test("a file with CRLF line endings runs, and its diagnostics show the source line and caret")
    func crlfLineEndings() throws {
        try CLI.with { cli in
            try cli.write("crlf.plat", "let a = 1\r\nlet b = \"x\"\r\nprint(a, b)\r\n")
            let ok = try cli.run(["run", "crlf.plat"])
            expectExit(ok, 0)
            #expect(ok.stdout == "1 x\n")

            try cli.write("crlf_bad.plat", "let a = 1\r\nlet b = 2\r\nprint(zz)\r\n")
            let r = try cli.run(["check", "crlf_bad.plat"])
            expectExit(r, 1)
            #expect(r.diagnostics.hasPrefix("crlf_bad.plat:3:7: error: undefined name 'zz'\n"), "\(r)")
            // Swift treats "\r\n" as one Character; the excerpt must still show line 3 alone.
            #expect(r.diagnostics == """
                crlf_bad.plat:3:7: error: undefined name 'zz'
                    print(zz)
                          ^
                1 problem found

                """)
        }
    }

    @Test("the diagnostic column counts characters, not bytes")
    func unicodeColumn() throws {
        try CLI.with { cli in
            try cli.write("u.plat", "let s = \"héllo wörld\" + nope\n")
            let r = try cli.run(["check", "u.plat"])
            expectExit(r, 1)
            #expect(r.diagnostics.hasPrefix("u.plat:1:25: error: undefined name 'nope'\n"), "\(r)")
        }
    }
}
