import Foundation
import Testing

/// `platflow run`: which code runs, how `--param` values are converted, and what goes to stdout and stderr.
@Suite("platflow run")
struct RunCommandTests {
    @Test("a file without plans runs its top level; stdout holds exactly its prints")
    func topLevel() throws {
        try CLI.with { cli in
            try cli.write("hello.plat", """
                let name = "world"
                print("hello, \\(name)")
                print(1 + 2, [1, "a"], {k: 1.5})

                """)
            let r = try cli.run(["run", "hello.plat"])
            expectExit(r, 0)
            #expect(r.stdout == "hello, world\n3 [1, \"a\"] {\"k\": 1.5}\n")
            #expect(r.diagnostics == "")
        }
    }

    @Test("without a plan name, main runs after the top level; step banners go to stderr only")
    func mainPlan() throws {
        try CLI.with { cli in
            try cli.write("steps.plat", """
                print("top")
                plan build() {
                    print("not this one")
                }
                plan main() {
                    step "build" {
                        print("building")
                        step "test" { print("testing") }
                    }
                    print("done")
                }

                """)
            let r = try cli.run(["run", "steps.plat"])
            expectExit(r, 0)
            #expect(r.stdout == "top\nbuilding\ntesting\ndone\n")
            // Banners carry durations, so only their shape is fixed.
            let lines = r.diagnostics.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(r)")
            #expect(lines.first == "▸ main/build")
            #expect(lines.dropFirst().first == "▸ main/build/test")
            #expect(lines.dropFirst(2).first?.hasPrefix("✓ main/build/test ") == true)
            #expect(lines.dropFirst(3).first?.hasPrefix("✓ main/build ") == true)
            #expect(!r.stdout.contains("main/build"))
        }
    }

    @Test("--quiet drops the step banners")
    func quiet() throws {
        try CLI.with { cli in
            try cli.write("q.plat", "plan main() {\n    step \"s\" { print(\"in s\") }\n}\n")
            let r = try cli.run(["run", "q.plat", "--quiet"])
            expectExit(r, 0)
            #expect(r.stdout == "in s\n")
            #expect(r.diagnostics == "")
        }
    }

    @Test("a named plan runs instead of main; the only plan runs without a name")
    func namedPlan() throws {
        try CLI.with { cli in
            try cli.write("two.plat", """
                print("top")
                plan main() { print("main") }
                plan deploy(env: string = "test") { print("deploy to", env) }

                """)
            let r = try cli.run(["run", "two.plat", "deploy", "--param", "env=prod"])
            expectExit(r, 0)
            #expect(r.stdout == "top\ndeploy to prod\n")
            #expect(r.diagnostics == "")

            let d = try cli.run(["run", "two.plat", "deploy"])
            expectExit(d, 0)
            #expect(d.stdout == "top\ndeploy to test\n")

            try cli.write("one.plat", "plan rollout(n: int = 2) { print(n * 10) }\n")
            let o = try cli.run(["run", "one.plat"])
            expectExit(o, 0)
            #expect(o.stdout == "20\n")
        }
    }

    @Test("--param converts to every declared type; a secret never shows")
    func paramTypes() throws {
        try CLI.with { cli in
            try cli.write("types.plat", """
                plan main(s: string, i: int, f: float, b: bool, d: duration, z: size, l: list, m: map, t: secret) {
                    for v in [s, i, f, b, d, z, l, m, t] {
                        print(v, type(v))
                    }
                    print("token=\\(t)")
                }

                """)
            let r = try cli.run(["run", "types.plat",
                                 "--param", "s=hello world", "-p", "i=-1_000", "--param=f=2.5", "-p", "b=false",
                                 "-p", "d=1h30m", "-p", "z=1KiB", "-p", #"l=["a", 1, true, null]"#,
                                 "-p", #"m={"k": [1, 2.5], "x": {}}"#, "-p", "t=hunter2"])
            expectExit(r, 0)
            #expect(r.stdout == """
                hello world string
                -1000 int
                2.5 float
                false bool
                1h30m duration
                1KiB size
                ["a", 1, true, nil] list
                {"k": [1, 2.5], "x": {}} map
                *** secret
                token=***

                """)
            #expect(!r.stdout.contains("hunter2") && !r.diagnostics.contains("hunter2"))
            #expect(r.diagnostics == "")
        }
    }

    @Test("a value containing '=' keeps everything after the first '='")
    func paramWithEquals() throws {
        try CLI.with { cli in
            try cli.write("eq.plat", "plan main(q: string) { print(q) }\n")
            let r = try cli.run(["run", "eq.plat", "-p", "q=a=b=c"])
            expectExit(r, 0)
            #expect(r.stdout == "a=b=c\n")
        }
    }

    @Test("a missing required parameter exits 2 listing every parameter with its type; nothing runs")
    func missingParam() throws {
        try CLI.with { cli in
            try cli.write("deploy.plat", """
                print("not printed")
                plan deploy(env: string, count: int, wait: duration = 5s) {
                    print(env)
                }

                """)
            let r = try cli.run(["run", "deploy.plat", "deploy", "-p", "count=3"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics == """
                error: plan deploy needs parameter 'env'; its parameters are:
                  env: string (required)
                  count: int (required)
                  wait: duration = 5s
                hint: platflow run FILE deploy --param env=…

                """)
        }
    }

    @Test("an unknown parameter exits 2 with did you mean")
    func unknownParam() throws {
        try CLI.with { cli in
            try cli.write("p.plat", "print(\"not printed\")\nplan main(name: string) { print(name) }\n")
            let r = try cli.run(["run", "p.plat", "--param", "nmae=x"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics == "error: plan main has no parameter 'nmae'\nhint: did you mean 'name'?\n")
        }
    }

    @Test("an ill-typed parameter exits 2 naming the parameter and its type",
          arguments: [("int", "ten"), ("int", "1.5"), ("float", "fast"), ("bool", "yes"), ("duration", "10"),
                      ("duration", "5 minutes"), ("size", "10XB"), ("list", "a,b"), ("list", "{}"), ("map", "[1]"),
                      ("map", "{oops")])
    func badParam(type: String, value: String) throws {
        try CLI.with { cli in
            try cli.write("t.plat", "print(\"not printed\")\nplan main(v: \(type)) { print(v) }\n")
            let r = try cli.run(["run", "t.plat", "--param", "v=\(value)"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics.hasPrefix("error: parameter 'v' of plan main expects \(type), got \"\(value)\"\nhint: "),
                    "\(r)")
        }
    }

    @Test("several plans and none called main: exit 2 listing the plans")
    func severalPlans() throws {
        try CLI.with { cli in
            try cli.write("multi.plat", """
                print("not printed")
                plan build(target: string) {
                }
                plan deploy() {
                }

                """)
            let r = try cli.run(["run", "multi.plat"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics == """
                error: multi.plat has several plans and none is called main; name one:
                  build(target: string)
                  deploy()
                hint: platflow run multi.plat build

                """)
        }
    }

    @Test("an unknown plan exits 2 with did you mean and the plans")
    func unknownPlan() throws {
        try CLI.with { cli in
            try cli.write("plans.plat", "plan deploy() {\n}\nplan main() {\n}\n")
            let r = try cli.run(["run", "plans.plat", "deplyo"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics == """
                error: no plan 'deplyo' in plans.plat; its plans are:
                  deploy()
                  main()
                hint: did you mean 'deploy'?

                """)
        }
    }

    @Test("usage errors of run exit 2 before anything runs",
          arguments: [
            (["run"], "error: run needs a .plat file\n"),
            (["run", "s.plat", "main", "extra"], "error: run takes a file and at most one plan name"),
            (["run", "s.plat", "-p", "novalue"], "error: --param expects NAME=VALUE, got 'novalue'\n"),
            (["run", "s.plat", "-p", "=1"], "error: --param expects NAME=VALUE, got '=1'\n"),
            (["run", "s.plat", "-p", "n=1", "-p", "n=2"], "error: parameter 'n' given twice\n"),
            (["run", "s.plat", "--param"], "error: flag --param needs a value (NAME=VALUE)\n"),
            (["run", "top.plat", "-p", "n=1"], "error: parameter 'n' given, but top.plat has no plan to take it\n"),
            (["run", "top.plat", "main"], "error: top.plat declares no plans, so there is no plan 'main' to run\n"),
            (["run", "missing.plat"], "error: cannot read file 'missing.plat'\n"),
          ])
    func usageErrors(args: [String], stderrPrefix: String) throws {
        try CLI.with { cli in
            try cli.write("s.plat", "print(\"not printed\")\nplan main(n: int = 1) { print(n) }\n")
            try cli.write("top.plat", "print(\"not printed\")\n")
            let r = try cli.run(args)
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.diagnostics.hasPrefix(stderrPrefix), "\(r)")
        }
    }
}
