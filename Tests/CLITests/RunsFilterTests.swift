import Foundation
import Testing

/// `platflow runs --plan P --status S`: narrowing the list to what an operator is looking for.
@Suite("runs filters")
struct RunsFilterTests {
    static let twoPlans = """
        plan build() { print("built") }
        plan deploy() { fail("no target") }

        """

    func ids(_ r: CLIResult) -> [String] {
        let list = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
        return list.compactMap { $0["plan"] as? String }
    }

    @Test("--plan keeps one plan's runs, --status narrows further, together they combine")
    func planAndStatus() throws {
        try CLI.with { cli in
            try cli.write("p.plat", Self.twoPlans)
            expectExit(try cli.run(["run", "p.plat", "build"]), 0)
            expectExit(try cli.run(["run", "p.plat", "build"]), 0)
            expectExit(try cli.run(["run", "p.plat", "deploy"]), 1)
            let build = try cli.run(["runs", "--plan", "build", "--json"])
            expectExit(build, 0)
            #expect(ids(build) == ["build", "build"], "\(build)")
            let failed = try cli.run(["runs", "--status", "failed", "--json"])
            #expect(ids(failed) == ["deploy"], "\(failed)")
            let none = try cli.run(["runs", "--plan", "build", "--status", "failed"])
            expectExit(none, 0)
            #expect(none.stdout.isEmpty && none.stderr.hasPrefix("no runs with plan build and status failed in "), "\(none)")
            let table = try cli.run(["runs", "--plan", "deploy"])
            #expect(table.stdout.contains("deploy") && !table.stdout.contains("build"), "\(table)")
        }
    }

    @Test("an unknown status is a usage error (exit 2) that names the valid ones or the closest")
    func unknownStatus() throws {
        try CLI.with { cli in
            let typo = try cli.run(["runs", "--plan", "build", "--status", "faild"])
            expectExit(typo, 2)
            #expect(typo.stderr.contains("unknown status 'faild'") && typo.stderr.contains("did you mean 'failed'?"), "\(typo)")
            let other = try cli.run(["runs", "--status", "zzzzzz"])
            expectExit(other, 2)
            #expect(other.stderr.contains("one of: pending, running"), "\(other)")
        }
    }
}
