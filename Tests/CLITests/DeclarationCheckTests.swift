import Foundation
import Testing

/// The declarations the engine (`schedule`, `on ... run`) and the job platform (`scheme`) give the language, as
/// `platflow check` reports them: every message and position, and the words staying names elsewhere.
@Suite("platflow check: declarations")
struct DeclarationCheckTests {
    @Test("schedule, scheme and on...run problems: keys, plans, constants, placement, duplicates")
    func resolveProblems() throws {
        try CLI.with { cli in
            try cli.write("bad.plat", #"""
                plan main(env: string, n: int = 1) { print(env) }
                plan other() { }

                schedule "a" { cron: "0 3 * * *", run: main(env: "x") }
                schedule "a" { cron: "0 3 * * *", run: main(env: "x") }
                schedule "b" { crn: "0 3 * * *", run: main(env: "x") }
                schedule "c" { cron: "0 3 * * *", run: mian(env: "x") }
                schedule "d" { cron: "0 3 * * *", run: main(evn: "x") }
                schedule "e" { cron: "0 3 * * *", run: main("a", 2, 3) }
                schedule "f" { cron: "0 3 * * *", run: main(env: "x" + "y") }
                schedule "g" { cron: "0 3 * * *", run: "main" }
                schedule "h" for main { cron: "0 3 * * *", run: main(env: "x") }
                schedule "i" { cron: "0 3 * * *", tz: "a" + "b", run: main(env: "x") }
                schedule "j" { run: main(env: "x") }

                scheme "s1" for main { env: "prod" }
                scheme "s1" for main { env: "prod" }
                scheme "s2" { env: "prod" }
                scheme "s3" for mian { env: "prod" }
                scheme "s4" for main { evn: "prod" }
                scheme "s5" for other { x: 1 }
                scheme "s6" for main { env: "a" + "b" }

                on cmdb.host.changed run main(env: "x")
                on cmdb.host.changed where "city == 1" run mian(env: "x")
                on cmdb.host.changed run main(env: "a" + "b")

                plan inner() {
                  schedule "k" { cron: "x", run: main(env: "x") }
                  on some.event run main(env: "x")
                }

                """#)
            let r = try cli.run(["check", "bad.plat"])
            expectExit(r, 1)
            #expect(r.stderr == #"""
                bad.plat:29:3: error: schedule "k" must be declared at the top level of a file
                      schedule "k" { cron: "x", run: main(env: "x") }
                      ^
                bad.plat:30:3: error: subscription "some.event" must be declared at the top level of a file
                      on some.event run main(env: "x")
                      ^
                bad.plat:5:10: error: duplicate schedule "a"
                    schedule "a" { cron: "0 3 * * *", run: main(env: "x") }
                             ^
                bad.plat:6:16: error: unknown schedule key 'crn'
                    schedule "b" { crn: "0 3 * * *", run: main(env: "x") }
                                   ^
                hint: did you mean 'cron'?
                bad.plat:7:40: error: run: names no plan of this file: 'mian'
                    schedule "c" { cron: "0 3 * * *", run: mian(env: "x") }
                                                           ^
                hint: did you mean 'main'?
                bad.plat:8:45: error: plan main has no parameter 'evn'
                    schedule "d" { cron: "0 3 * * *", run: main(evn: "x") }
                                                                ^
                hint: did you mean 'env'?
                bad.plat:9:53: error: plan main takes 2 parameters
                    schedule "e" { cron: "0 3 * * *", run: main("a", 2, 3) }
                                                                        ^
                bad.plat:10:54: error: schedule arguments must be constants
                    schedule "f" { cron: "0 3 * * *", run: main(env: "x" + "y") }
                                                                         ^
                bad.plat:11:40: error: run: must call a plan of this file, like run: main(env: "prod")
                    schedule "g" { cron: "0 3 * * *", run: "main" }
                                                           ^
                bad.plat:12:10: error: a schedule has no 'for PLAN'
                    schedule "h" for main { cron: "0 3 * * *", run: main(env: "x") }
                             ^
                bad.plat:13:43: error: the value of 'tz' must be a constant (a literal, or a list or map of literals)
                    schedule "i" { cron: "0 3 * * *", tz: "a" + "b", run: main(env: "x") }
                                                              ^
                bad.plat:14:10: error: schedule "j" needs 'cron'
                    schedule "j" { run: main(env: "x") }
                             ^
                hint: cron: "0 3 * * *"
                bad.plat:17:8: error: duplicate scheme "s1"
                    scheme "s1" for main { env: "prod" }
                           ^
                bad.plat:18:8: error: a scheme names the plan it presets: scheme "s2" for PLAN { ... }
                    scheme "s2" { env: "prod" }
                           ^
                bad.plat:19:8: error: scheme "s3" is for plan 'mian', which this file does not declare
                    scheme "s3" for mian { env: "prod" }
                           ^
                hint: did you mean 'main'?
                bad.plat:20:24: error: plan main has no parameter 'evn'
                    scheme "s4" for main { evn: "prod" }
                                           ^
                hint: did you mean 'env'?
                bad.plat:21:25: error: plan other has no parameter 'x'
                    scheme "s5" for other { x: 1 }
                                            ^
                hint: plan other takes: 
                bad.plat:22:33: error: the value of 'env' must be a constant (a literal, or a list or map of literals)
                    scheme "s6" for main { env: "a" + "b" }
                                                    ^
                bad.plat:25:44: error: run: names no plan of this file: 'mian'
                    on cmdb.host.changed where "city == 1" run mian(env: "x")
                                                               ^
                hint: did you mean 'main'?
                bad.plat:26:40: error: subscription arguments must be constants
                    on cmdb.host.changed run main(env: "a" + "b")
                                                           ^
                20 problems found

                """#, "\(r)")
        }
    }

    @Test("value types are checked before anything is applied: cron, tz, overlap (with a did-you-mean), catch_up")
    func typeProblems() throws {
        try CLI.with { cli in
            try cli.write("types.plat", #"""
                plan main(env: string) { print(env) }
                schedule "a" { cron: 5, run: main(env: "x") }
                schedule "b" { cron: "0 3 * * *", tz: 5, run: main(env: "x") }
                schedule "c" { cron: "0 3 * * *", overlap: "skp", run: main(env: "x") }
                schedule "d" { cron: "0 3 * * *", catch_up: 5, run: main(env: "x") }
                schedule "e" { cron: "0 3 * * *", overlap: 1, run: main(env: "x") }
                on cmdb.host.chnged run main(env: "x")

                """#)
            let r = try cli.run(["check", "types.plat"])
            expectExit(r, 1)
            #expect(r.stderr == #"""
                types.plat:2:22: error: cron must be a string such as "0 3 * * *"
                    schedule "a" { cron: 5, run: main(env: "x") }
                                         ^
                types.plat:3:39: error: tz must be a string such as "Asia/Shanghai"
                    schedule "b" { cron: "0 3 * * *", tz: 5, run: main(env: "x") }
                                                          ^
                types.plat:4:44: error: overlap must be one of: "skip", "queue", "replace", "allow"
                    schedule "c" { cron: "0 3 * * *", overlap: "skp", run: main(env: "x") }
                                                               ^
                hint: did you mean 'skip'?
                types.plat:5:45: error: catch_up must be a duration such as 1h
                    schedule "d" { cron: "0 3 * * *", catch_up: 5, run: main(env: "x") }
                                                                ^
                types.plat:6:44: error: overlap must be one of: "skip", "queue", "replace", "allow"
                    schedule "e" { cron: "0 3 * * *", overlap: 1, run: main(env: "x") }
                                                               ^
                5 problems found

                """#, "\(r)")
        }
    }

    @Test("syntax errors of the three forms, and the words as ordinary names")
    func syntaxProblems() throws {
        try CLI.with { cli in
            try cli.write("parse.plat", #"""
                schedule "a\(1)" { }
                scheme "b" for 1 { }
                schedule "c" cron
                on 1
                on a.b where x run f()
                on a.b where "x" f()
                schedule = 1
                scheme = [1]
                on = 2
                print(schedule, scheme, on)

                """#)
            let r = try cli.run(["check", "parse.plat"])
            expectExit(r, 1)
            #expect(r.stderr == #"""
                parse.plat:1:10: error: a schedule name must be a plain string, without interpolation
                    schedule "a\(1)" { }
                             ^
                parse.plat:2:16: error: expected a plan name after 'for', found '1'
                    scheme "b" for 1 { }
                                   ^
                parse.plat:3:14: error: expected '{' to start the schedule "c", found 'cron'
                    schedule "c" cron
                                 ^
                hint: write schedule "c" { key: value, ... }
                parse.plat:4:4: error: expected a line break or ';' after the statement, found '1'
                    on 1
                       ^
                parse.plat:5:14: error: expected the filter as a string after 'where', found 'x'
                    on a.b where x run f()
                                 ^
                hint: on a.b where 'module == "web"' run deploy()
                parse.plat:6:18: error: expected 'run PLAN(args)' after the event, found 'f'
                    on a.b where "x" f()
                                     ^
                hint: on a.b run sync_dns(zone: "prod")
                6 problems found

                """#, "\(r)")
            try cli.write("names.plat", "var schedule = 1\nlet scheme = [2]\nlet on = {a: 3}\nschedule += 1\nprint(schedule, scheme, on)\n")
            let names = try cli.run(["run", "names.plat"])
            expectExit(names, 0)
            #expect(names.stdout == "2 [2] {\"a\": 3}\n", "\(names)")
        }
    }

    @Test("every workflow shipped in workflows/ checks clean")
    func shippedWorkflows() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("workflows")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".plat") }.sorted()
        #expect(files.contains("schedules.plat") && files.contains("restart-web.plat"))
        try CLI.with { cli in
            let r = try cli.run(["check"] + files.map { dir.appendingPathComponent($0).path })
            expectExit(r, 0)
            #expect(r.stderr == "", "\(r)")
        }
    }

    @Test("check reports what schedule apply would refuse: cron text, time zones (did you mean), @every below 1s, events")
    func applyProblemsInCheck() throws {
        try CLI.with { cli in
            try cli.write("s.plat", #"""
                plan main(env: string) { print(env) }
                schedule "a" { cron: "0 25 * * *", run: main(env: "x") }
                schedule "b" { cron: "0 3 * * *", tz: "Asia/Shangai", run: main(env: "x") }
                schedule "c" { cron: "@every 500ms", run: main(env: "x") }
                on cmdb.host.chnged run main(env: "x")

                """#)
            let r = try cli.run(["check", "s.plat"])
            expectExit(r, 1)
            #expect(r.stderr == #"""
                s.plat:2:22: error: 0 25 * * *: hour 25 out of range 0-23
                    schedule "a" { cron: "0 25 * * *", run: main(env: "x") }
                                         ^
                s.plat:3:39: error: unknown time zone 'Asia/Shangai'
                    schedule "b" { cron: "0 3 * * *", tz: "Asia/Shangai", run: main(env: "x") }
                                                          ^
                hint: did you mean 'Asia/Shanghai'?
                s.plat:4:22: error: @every 500ms: @every takes a duration of at least 1s, like @every 30s or @every 1h30m
                    schedule "c" { cron: "@every 500ms", run: main(env: "x") }
                                         ^
                s.plat:5:4: error: no event 'cmdb.host.chnged' to subscribe to
                    on cmdb.host.chnged run main(env: "x")
                       ^
                hint: did you mean 'cmdb.host.changed'?
                4 problems found

                """#, "\(r)")
            // And apply refuses the same file with the same problems.
            let apply = try cli.run(["schedule", "apply", "s.plat"])
            expectExit(apply, 2)
            #expect(apply.stderr.contains("did you mean 'Asia/Shanghai'?"), "\(apply)")
        }
    }

    @Test("literal option values of effects are checked with a did-you-mean, before anything runs")
    func literalOptionValues() throws {
        try CLI.with { cli in
            try cli.write("o.plat", #"""
                plan main() {
                    sh(["h1", "h2"], "true", on_failure: "ignor")
                    approve("go?", on_timeout: "aprove")
                    sh(["h1"], "true", lang: "pyhton")
                }

                """#)
            let r = try cli.run(["check", "o.plat"])
            expectExit(r, 1)
            #expect(r.stderr.hasPrefix(#"""
                o.plat:2:42: error: sh() on_failure must be one of: "pause", "ignore", "manual", not "ignor"
                        sh(["h1", "h2"], "true", on_failure: "ignor")
                                                             ^
                hint: did you mean 'ignore'?
                o.plat:3:32: error: approve() on_timeout must be one of: "fail", "approve", not "aprove"
                        approve("go?", on_timeout: "aprove")
                                                   ^
                hint: did you mean 'approve'?
                o.plat:4:30: error: sh() lang must be one of: 
                """#), "\(r)")
            #expect(r.stderr.contains("hint: did you mean 'python'?"), "\(r)")
            let run = try cli.run(["run", "o.plat"])
            expectExit(run, 2)
            #expect(!run.stderr.hasPrefix("run "), "a run was started: \(run)")
        }
    }
}
