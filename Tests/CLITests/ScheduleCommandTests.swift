import Foundation
import Testing

/// `platflow schedule`: next fire times, applying declarations, and their errors.
struct ScheduleCommandTests {
    @Test("schedule next prints one ISO 8601 time with offset per line")
    func next() throws {
        try CLI.with { cli in
            let r = try cli.run(["schedule", "next", "0 9 * * MON-FRI", "--tz", "Asia/Shanghai", "--from", "2026-03-01T00:00:00Z",
                                 "--count", "5"])
            expectExit(r, 0)
            #expect(r.stdout == """
                2026-03-02T09:00:00+08:00
                2026-03-03T09:00:00+08:00
                2026-03-04T09:00:00+08:00
                2026-03-05T09:00:00+08:00
                2026-03-06T09:00:00+08:00

                """)
        }
    }

    @Test("an invalid expression names the field and the reason, exit 2")
    func invalid() throws {
        try CLI.with { cli in
            let r = try cli.run(["schedule", "next", "0 25 * * *"])
            expectExit(r, 2)
            #expect(r.stderr.contains("0 25 * * *: hour 25 out of range 0-23"), "\(r.stderr)")
            let z = try cli.run(["schedule", "next", "0 9 * * *", "--tz", "Mars/Olympus"])
            expectExit(z, 2)
            #expect(z.stderr.contains("unknown time zone 'Mars/Olympus'"))
        }
    }

    @Test("apply upserts, reports unchanged, removes what the file dropped; bad schedules point at the file")
    func apply() throws {
        try CLI.with { cli in
            try cli.write("s.plat", """
                schedule "a" { cron: "0 3 * * *", run: job(n: 1) }
                schedule "b" { cron: "@hourly", tz: "Europe/London", run: job(n: 2), overlap: "queue" }
                plan job(n: int) { print(n) }
                """)
            var r = try cli.run(["schedule", "apply", "s.plat"])
            expectExit(r, 0)
            #expect(r.stdout == "added a\nadded b\n")
            r = try cli.run(["schedule", "apply", "s.plat"])
            #expect(r.stdout == "unchanged a\nunchanged b\n")
            try cli.write("s.plat", """
                schedule "a" { cron: "0 4 * * *", run: job(n: 1) }
                plan job(n: int) { print(n) }
                """)
            r = try cli.run(["schedule", "apply", "s.plat"])
            #expect(r.stdout == "updated a\nremoved b\n")
            r = try cli.run(["schedule", "list"])
            #expect(r.stdout.contains("0 4 * * *") && !r.stdout.contains("@hourly"))
            try cli.write("bad.plat", """
                schedule "x" { cron: "0 0 30 2 *", run: job(n: 1) }
                schedule "y" { cron: "0 9 * * *", tz: "Mars/Olympus", run: job(n: 1) }
                plan job(n: int) { print(n) }
                """)
            r = try cli.run(["schedule", "apply", "bad.plat"])
            expectExit(r, 2)
            #expect(r.stderr.contains("bad.plat:1:22: error: 0 0 30 2 *"), "\(r.stderr)")
            #expect(r.stderr.contains("bad.plat:2:") && r.stderr.contains("unknown time zone"), "\(r.stderr)")
            try cli.write("param.plat", """
                schedule "y" { cron: "* * * * *", run: job(m: 1) }
                plan job(n: int) { print(n) }
                """)
            r = try cli.run(["schedule", "apply", "param.plat"])
            expectExit(r, 2)
            #expect(r.stderr.contains("param.plat:1:") && r.stderr.contains("no parameter 'm'"), "\(r.stderr)")
            r = try cli.run(["schedule", "list"])
            #expect(!r.stdout.contains("\"x\""))
        }
    }
}
