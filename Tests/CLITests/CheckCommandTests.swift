import Foundation
import Testing

/// `platflow check`: every problem of every file, plain or as JSON, and nothing run.
@Suite("platflow check")
struct CheckCommandTests {
    static let okSource = "let x = 1\nplan main() {\n    step \"a\" { print(x) }\n}\n"
    static let parseSource = "print(\"never runs\")\nlet = 2\nvar y = )\n"
    static let resolveSource = "print(undefinedz)\nlet a = 1\na = 2\n"

    @Test("an ok file prints 'PATH: ok' and exits 0 without running anything")
    func okFile() throws {
        try CLI.with { cli in
            try cli.write("ok.plat", CheckCommandTests.okSource)
            let r = try cli.run(["check", "ok.plat"])
            expectExit(r, 0)
            #expect(r.stdout == "ok.plat: ok\n")
            #expect(r.stderr == "")
        }
    }

    @Test("a file with errors: all of them, a count line, exit 1; nothing runs")
    func fileWithErrors() throws {
        try CLI.with { cli in
            try cli.write("errs.plat", CheckCommandTests.parseSource)
            let r = try cli.run(["check", "errs.plat"])
            expectExit(r, 1)
            #expect(r.stdout == "")
            #expect(r.stderr == """
                errs.plat:2:5: error: expected a name after 'let', found '='
                    let = 2
                        ^
                errs.plat:3:9: error: expected an expression, found ')'
                    var y = )
                            ^
                2 problems found

                """)
        }
    }

    @Test("several files: each ok one is named, the problems of all the others are reported and counted")
    func severalFiles() throws {
        try CLI.with { cli in
            try cli.write("ok.plat", CheckCommandTests.okSource)
            try cli.write("errs.plat", CheckCommandTests.parseSource)
            try cli.write("sub/rerrs.plat", CheckCommandTests.resolveSource)
            let r = try cli.run(["check", "ok.plat", "errs.plat", "sub/rerrs.plat"])
            expectExit(r, 1)
            #expect(r.stdout == "ok.plat: ok\n")
            #expect(r.stderr == """
                errs.plat:2:5: error: expected a name after 'let', found '='
                    let = 2
                        ^
                errs.plat:3:9: error: expected an expression, found ')'
                    var y = )
                            ^
                sub/rerrs.plat:1:7: error: undefined name 'undefinedz'
                    print(undefinedz)
                          ^
                sub/rerrs.plat:3:1: error: cannot assign to 'a': it is declared with let (line 2)
                    a = 2
                    ^
                hint: declare it with var to change it
                4 problems found

                """)

            let good = try cli.run(["check", "ok.plat", "ok.plat"])
            expectExit(good, 0)
            #expect(good.stdout == "ok.plat: ok\nok.plat: ok\n")
        }
    }

    @Test("--json prints one valid JSON array with file, line, column and message for every problem")
    func json() throws {
        try CLI.with { cli in
            try cli.write("ok.plat", CheckCommandTests.okSource)
            try cli.write("errs.plat", CheckCommandTests.parseSource)
            try cli.write("rerrs.plat", CheckCommandTests.resolveSource)
            let r = try cli.run(["check", "--json", "ok.plat", "errs.plat", "rerrs.plat"])
            expectExit(r, 1)
            #expect(r.stderr == "")
            let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
            let items = try #require(parsed as? [[String: Any]], "not an array of objects: \(r.stdout)")
            let summary = items.map { item -> String in
                "\(item["file"] as? String ?? "?"):\(item["line"] as? Int ?? -1):\(item["column"] as? Int ?? -1): "
                    + "\(item["message"] as? String ?? "?")"
            }
            #expect(summary == [
                "errs.plat:2:5: expected a name after 'let', found '='",
                "errs.plat:3:9: expected an expression, found ')'",
                "rerrs.plat:1:7: undefined name 'undefinedz'",
                "rerrs.plat:3:1: cannot assign to 'a': it is declared with let (line 2)",
            ])
            #expect(items.last?["hint"] as? String == "declare it with var to change it")

            let clean = try cli.run(["check", "ok.plat", "--json"])
            expectExit(clean, 0)
            let empty = try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [Any]
            #expect(empty?.isEmpty == true, "\(clean)")
        }
    }

    @Test("a missing file exits 2, and the other files are still checked")
    func missingFile() throws {
        try CLI.with { cli in
            try cli.write("ok.plat", CheckCommandTests.okSource)
            let r = try cli.run(["check", "nope.plat", "ok.plat"])
            expectExit(r, 2)
            #expect(r.stdout == "ok.plat: ok\n")
            #expect(r.stderr.hasPrefix("error: cannot read file 'nope.plat'\nhint: no such file\n"), "\(r)")
        }
    }

    @Test("check without files is a usage error")
    func noFiles() throws {
        try CLI.with { cli in
            let r = try cli.run(["check"])
            expectExit(r, 2)
            #expect(r.stderr == "error: check needs at least one .plat file\nhint: platflow check workflows/*.plat\n")
        }
    }

    @Test("problems in an imported file are reported with that file's path")
    func importedProblems() throws {
        try CLI.with { cli in
            try cli.write("lib.plat", "fn helper() {\n    return missing_thing\n}\n")
            try cli.write("app.plat", "import \"./lib.plat\" as lib\nprint(lib.helper())\n")
            let r = try cli.run(["check", "app.plat"])
            expectExit(r, 1)
            #expect(r.stderr.contains("lib.plat:2:12: error: undefined name 'missing_thing'\n"), "\(r)")
        }
    }
}
