import Foundation
import Testing

/// `platflow batches`: the rolling expression as batch sizes, for scripts and docs.
struct BatchesCommandTests {
    @Test("the issue's examples for 100 hosts", arguments: [
        ("20", "20,20,20,20,20"), ("30%", "30,30,30,10"), ("5 *2", "5,10,20,40,25"), ("5 +10", "5,15,25,35,20"),
        ("10 20 20 20 100%", "10,20,20,20,30"),
    ])
    func examples(_ expr: String, _ expected: String) throws {
        try CLI.with { cli in
            let r = try cli.run(["batches", expr, "--hosts", "100"])
            expectExit(r, 0)
            #expect(r.stdout == expected + "\n")
        }
    }

    @Test("bad parts are errors with their position, exit 2", arguments: ["0", "101%", "+0", "*0", "1.5", "-- -1", ""])
    func badInput(_ expr: String) throws {
        try CLI.with { cli in
            let words = expr.hasPrefix("-- ") ? ["batches", "--hosts", "10", "--", String(expr.dropFirst(3))] : ["batches", expr, "--hosts", "10"]
            let r = try cli.run(words)
            expectExit(r, 2)
            #expect(r.stderr.contains("error:"))
            #expect(r.stdout.isEmpty)
        }
    }

    @Test("--json prints an array")
    func json() throws {
        try CLI.with { cli in
            let r = try cli.run(["batches", "1 30% 100%", "--hosts", "100", "--json"])
            expectExit(r, 0)
            #expect(r.stdout.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "") == "[1,30,69]")
        }
    }
}
