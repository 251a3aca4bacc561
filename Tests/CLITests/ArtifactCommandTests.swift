import Foundation
import Testing

/// `platflow artifact ...` through the built binary: the store, the gates and their exit codes.
@Suite("platflow artifact")
struct ArtifactCommandTests {
    func blobs(_ cli: CLI) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cli.directory.path + "/.platflow/artifacts/blobs/sha256")
    }

    @Test("push, promote through the gates, show the lineage and pull the same bits")
    func pipeline() throws {
        try CLI.with { cli in
            try cli.write("web.tgz", "web bits\n")
            let push = try cli.run(["artifact", "push", "web", "1.4.0-alpha.3", "web.tgz", "--as", "ci"])
            expectExit(push, 0)
            #expect(push.stdout.hasPrefix("pushed web 1.4.0-alpha.3 (alpha, file, 9 B) sha256:"))
            let digest = String(push.stdout.split(separator: " ").last!.dropLast())
            #expect(try blobs(cli) == [String(digest.dropFirst(7))])

            let early = try cli.run(["artifact", "promote", "web", "1.4.0-alpha.3", "--to", "beta"])
            expectExit(early, 4)
            #expect(early.stderr == """
                error: web 1.4.0-alpha.3 is alpha: it needs acceptance in a test environment before it may be promoted to beta, and none is recorded for its bits
                hint: deploy it to a test environment, test it, then `platflow artifact accept web 1.4.0-alpha.3 --env ENV`

                """)
            try cli.write("e2e.xml", "<testsuite failures=\"0\"/>")
            let accept = try cli.run(["artifact", "accept", "web", "1.4.0-alpha.3", "--env", "qa", "--class", "test", "--evidence", "e2e.xml", "--as", "qa-bot"])
            expectExit(accept, 0)
            #expect(accept.stdout.hasPrefix("accepted web 1.4.0-alpha.3 in qa (test) (sha256:"))
            #expect(accept.stdout.hasSuffix(") by qa-bot\n"))
            let beta = try cli.run(["artifact", "promote", "web", "1.4.0-alpha.3", "--to", "beta", "--json"])
            expectExit(beta, 0)
            let b = try JSONSerialization.jsonObject(with: Data(beta.stdout.utf8)) as? [String: Any]
            #expect(b?["version"] as? String == "1.4.0-beta.1")
            #expect(b?["digest"] as? String == digest)
            #expect(b?["promoted_from"] as? String == "1.4.0-alpha.3")

            let release = try cli.run(["artifact", "promote", "web", "1.4.0-beta.1", "--to", "release"])
            expectExit(release, 4)
            let forced = try cli.run(["artifact", "promote", "web", "1.4.0-beta.1", "--to", "release", "--force", "INC-42 hotfix", "--as", "sre"])
            expectExit(forced, 0)
            #expect(forced.stdout.hasPrefix("promoted web 1.4.0-beta.1 → 1.4.0 (sha256:"))
            #expect(forced.stderr.hasPrefix("warning: forced past a gate (recorded): web 1.4.0-beta.1 is beta: it needs acceptance in a staging environment"))

            let show = try cli.run(["artifact", "show", "web", "1.4.0", "--json"])
            expectExit(show, 0)
            let s = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
            #expect(s?["lineage"] as? [String] == ["1.4.0-alpha.3", "1.4.0-beta.1", "1.4.0"])
            #expect((s?["acceptances"] as? [[String: Any]])?.first?["who"] as? String == "qa-bot")
            let f = (s?["forced"] as? [[String: Any]])?.first
            #expect(f?["reason"] as? String == "INC-42 hotfix" && f?["who"] as? String == "sre" && f?["rule"] as? String == "acceptance")

            let list = try cli.run(["artifact", "list", "web"])
            expectExit(list, 0)
            #expect(list.stdout.split(separator: "\n").map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
                    == ["APP VERSION STAGE", "web 1.4.0 release", "web 1.4.0-beta.1 beta", "web 1.4.0-alpha.3 alpha"])

            let pull = try cli.run(["artifact", "pull", "web", "1.4.0", "out.tgz"])
            expectExit(pull, 0)
            #expect(FileManager.default.contents(atPath: cli.directory.path + "/out.tgz") == Data("web bits\n".utf8))
        }
    }

    @Test("a tampered store file is reported by verify (exit 1) and refused by pull")
    func tampered() throws {
        try CLI.with { cli in
            try cli.write("a.bin", "aaaa")
            try cli.write("b.bin", "bbbb")
            expectExit(try cli.run(["artifact", "push", "api", "2.0.0", "a.bin"]), 0)
            expectExit(try cli.run(["artifact", "push", "web", "1.0.0", "b.bin"]), 0)
            expectExit(try cli.run(["artifact", "verify"]), 0)
            let shown = try cli.run(["artifact", "show", "api", "2.0.0", "--json"])
            let digest = (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["digest"] as? String ?? ""
            let blob = cli.directory.path + "/.platflow/artifacts/blobs/sha256/" + digest.dropFirst(7)
            chmod(blob, 0o644)
            try Data("aaab".utf8).write(to: URL(fileURLWithPath: blob))
            let v = try cli.run(["artifact", "verify"])
            expectExit(v, 1)
            #expect(v.stdout.contains("DAMAGED  api 2.0.0"))
            #expect(v.stdout.contains("ok       web 1.0.0"))
            #expect(v.stderr.hasPrefix("error: 1 of 2 artifact(s) damaged\n"))
            expectExit(try cli.run(["artifact", "verify", "web"]), 0)
            let p = try cli.run(["artifact", "pull", "api", "2.0.0", "out.bin"])
            expectExit(p, 1)
            #expect(p.stderr.contains("the store's copy was changed; nothing was written"))
            #expect(!FileManager.default.fileExists(atPath: cli.directory.path + "/out.bin"))
        }
    }

    @Test("bad input exits 2 with a clear message and records nothing")
    func badInput() throws {
        try CLI.with { cli in
            try cli.write("f", "x")
            let cases: [([String], String)] = [
                (["artifact", "push", "web", "1.4", "f"], "error: invalid version '1.4': the version ends after the minor version"),
                (["artifact", "push", "web", "1.4.0-SNAPSHOT", "f"], "error: 1.4.0-SNAPSHOT has the pre-release 'SNAPSHOT', which names no stage"),
                (["artifact", "push", "web", "1.4.0", "missing.tgz"], "error: no such file or directory: missing.tgz"),
                (["artifact", "push", "web", "1.4.0"], "error: missing arguments"),
                (["artifact", "show", "web", "1.4.0"], "error: unknown app 'web'"),
                (["artifact", "promote", "web", "1.4.0", "--to", "gamma"], "error: unknown stage 'gamma'"),
                (["artifact", "accept", "web", "1.4.0", "--env", "qa", "--class", "qa"], "error: unknown environment class 'qa'"),
                (["artifact", "pull", "web", "1.4.0"], "error: missing arguments"),
            ]
            for (args, text) in cases {
                let r = try cli.run(args)
                expectExit(r, 2)
                #expect(r.stderr.hasPrefix(text), "\(args): \(r.stderr)")
            }
            let list = try cli.run(["artifact", "list", "--json"])
            expectExit(list, 0)
            #expect(list.stdout == "[\n\n]\n" || list.stdout == "[]\n")

            expectExit(try cli.run(["artifact", "push", "web", "1.4.0-alpha.1", "f"]), 0)
            let unknownEnv = try cli.run(["artifact", "accept", "web", "1.4.0-alpha.1", "--env", "qa"])
            expectExit(unknownEnv, 2)
            #expect(unknownEnv.stderr == "error: unknown environment 'qa' of web\nhint: declare it in the app's envs, or give its class: --class test|staging|production\n")
            let backwards = try cli.run(["artifact", "promote", "web", "1.4.0-alpha.1", "--to", "alpha"])
            expectExit(backwards, 2)
            try cli.write("g", "y")
            let conflict = try cli.run(["artifact", "push", "web", "1.4.0-alpha.1", "g"])
            expectExit(conflict, 6)
            let shown = try cli.run(["artifact", "show", "web", "1.4.0-alpha.1", "--json"])
            let s = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
            #expect((s?["acceptances"] as? [Any])?.isEmpty == true)
            #expect(s?["lineage"] as? [String] == ["1.4.0-alpha.1"])
        }
    }

    @Test("--store moves the artifact store; a directory comes back whole")
    func storeAndDirectory() throws {
        try CLI.with { cli in
            try cli.write("dist/bin/web", "#!/bin/sh\n")
            try cli.write("dist/index.html", "<html/>")
            let r = try cli.run(["artifact", "push", "web", "1.0.0-rc.1", "dist", "--store", "elsewhere"])
            expectExit(r, 0)
            #expect(r.stdout.hasPrefix("pushed web 1.0.0-rc.1 (rc, dir, 17 B) sha256:"))
            #expect(!FileManager.default.fileExists(atPath: cli.directory.path + "/.platflow/artifacts"))
            #expect(FileManager.default.fileExists(atPath: cli.directory.path + "/elsewhere/blobs/sha256"))
            let missing = try cli.run(["artifact", "verify"])
            expectExit(missing, 1)
            expectExit(try cli.run(["artifact", "verify", "--store", "elsewhere"]), 0)
            expectExit(try cli.run(["artifact", "pull", "web", "1.0.0-rc.1", "copy", "--store", "elsewhere"]), 0)
            #expect(FileManager.default.contents(atPath: cli.directory.path + "/copy/index.html") == Data("<html/>".utf8))
        }
    }
}
