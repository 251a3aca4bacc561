import Foundation
import Testing

/// `platflow deploy` and `platflow app` through the built binary: gates and their exit codes, the deploy
/// lock, history recorded once across a killed process, rollback, and CD descriptions.
@Suite("platflow deploy")
struct DeployCommandTests {
    /// Two apps; web needs auth-api ^2.1. The deploy plan appends a line to `deploys.log` (after `pause`
    /// seconds), so a test can see which deploys ran and hold one open.
    static let shop = """
        app "web" {
            deploy: deploy_app,
            envs: {test: "test", "stage-sh": "staging", prod: "production"},
            owners: ["alice"],
            requires: {"auth-api": "^2.1"},
        }

        app "auth-api" {
            deploy: deploy_app,
            envs: {test: "test", "stage-sh": "staging", prod: "production"},
        }

        plan deploy_app(version: string, artifact: map, env: string, pause: string = "0", token: secret = "") {
            step "install" {
                sh("sleep \\(pause); echo \\(artifact.app) \\(version) \\(env) \\(artifact.stage) >> deploys.log")
            }
        }
        """

    func workspace(_ cli: CLI) throws {
        try cli.write("shop.plat", DeployCommandTests.shop)
        try cli.write("web-1.tgz", "web one\n")
        try cli.write("web-2.tgz", "web two\n")
        try cli.write("auth.tgz", "auth\n")
        for (app, version, file) in [("web", "1.0.0-alpha.1", "web-1.tgz"), ("web", "1.0.0-alpha.2", "web-2.tgz"),
                                     ("auth-api", "2.2.0-alpha.1", "auth.tgz"), ("auth-api", "3.0.0-alpha.1", "auth.tgz")] {
            expectExit(try cli.run(["artifact", "push", app, version, file]), 0)
        }
    }

    func history(_ cli: CLI, _ app: String, env: String? = nil) throws -> [[String: Any]] {
        let r = try cli.run(["app", "history", app, "--json"] + (env.map { ["--env", $0] } ?? []))
        expectExit(r, 0)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
    }

    func deployLog(_ cli: CLI) -> [String] {
        ((try? String(contentsOf: cli.directory.appendingPathComponent("deploys.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    @Test("a stage gate refuses through deploy with exit 4 and its rule; nothing is recorded or run")
    func gateRefusal() throws {
        try CLI.with { cli in
            try workspace(cli)
            let r = try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "prod", "--file", "shop.plat"])
            expectExit(r, 4)
            #expect(r.stderr == """
                error: auth-api 2.2.0-alpha.1 is alpha: alpha may only reach test environments, and prod is production
                hint: promote it to release after acceptance in staging

                """)
            #expect(try history(cli, "auth-api").isEmpty)
            let show = try cli.run(["app", "show", "auth-api", "--json"])
            let o = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
            #expect((o?["envs"] as? [Any])?.isEmpty == true && o?["file"] == nil, "the refused deploy recorded the declaration: \(show)")
            let runs = try cli.run(["runs"])
            #expect(!runs.stdout.contains("deploy_app"), "a refused deploy started a run:\n\(runs)")
            #expect(deployLog(cli).isEmpty)
        }
    }

    @Test("a requires refusal names both apps and versions (exit 5); a compatible dependency lets the deploy through")
    func requiresRefusal() throws {
        try CLI.with { cli in
            try workspace(cli)
            let none = try cli.run(["deploy", "web", "1.0.0-alpha.1", "--env", "test", "--file", "shop.plat"])
            expectExit(none, 5)
            #expect(none.stderr.hasPrefix("error: web 1.0.0-alpha.1 requires auth-api ^2.1, but no auth-api runs in test\n"))
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat"]), 0)
            // The refusal recorded nothing, not even web's declaration: the file is named again.
            let ok = try cli.run(["deploy", "web", "1.0.0-alpha.1", "--env", "test", "--file", "shop.plat"])
            expectExit(ok, 0)
            #expect(ok.stdout.hasPrefix("deployed web 1.0.0-alpha.1 to test (revision 1, "))
            // auth-api 3.0.0 would leave web's requirement unsatisfied: refused, naming web and auth-api.
            let breaking = try cli.run(["deploy", "auth-api", "3.0.0-alpha.1", "--env", "test"])
            expectExit(breaking, 5)
            #expect(breaking.stderr == """
                error: web 1.0.0-alpha.1 requires auth-api ^2.1, but auth-api 3.0.0-alpha.1 would run in test
                hint: deploy a auth-api that satisfies ^2.1, or a web whose requires admit auth-api 3.0.0-alpha.1

                """)
            #expect(deployLog(cli) == ["auth-api 2.2.0-alpha.1 test alpha", "web 1.0.0-alpha.1 test alpha"])
            let current = try cli.run(["app", "show", "auth-api", "--json"])
            let o = try JSONSerialization.jsonObject(with: Data(current.stdout.utf8)) as? [String: Any]
            let test = (o?["envs"] as? [[String: Any]])?.first { $0["env"] as? String == "test" }
            #expect((test?["current"] as? [String: Any])?["version"] as? String == "2.2.0-alpha.1")
        }
    }

    @Test("two deploys of one app to one environment never overlap: the second is refused naming the first (exit 7), or waits with --wait")
    func serialized() throws {
        try CLI.with { cli in
            try workspace(cli)
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            expectExit(try cli.run(["app", "apply", "shop.plat"]), 0)
            let slow = try Self.start(cli, ["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat", "--param", "pause=3", "--db", db])
            defer { if slow.isRunning { kill(slow.processIdentifier, SIGKILL) } }
            #expect(Self.waitUntil { ((try? history(cli, "auth-api")) ?? []).count == 1 })
            let refused = try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test"])
            expectExit(refused, 7)
            let first = try #require(try history(cli, "auth-api").first)
            #expect(refused.stderr == """
                error: auth-api is being deployed to test already: revision 1, 2.2.0-alpha.1, run \(first["run"] as? String ?? "?"), started by \(first["who"] as? String ?? "?")
                hint: wait for it with --wait, or stop it: platflow cancel \(first["run"] as? String ?? "?")

                """)
            // Another environment is not locked.
            let other = try cli.run(["app", "history", "auth-api", "--env", "stage-sh", "--json"])
            expectExit(other, 0)
            let waited = try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--wait"], timeout: 30)
            expectExit(waited, 0)
            #expect(waited.stderr.contains("waiting for the running deploy of auth-api to test"))
            slow.waitUntilExit()
            #expect(slow.terminationStatus == 0)
            let h = try history(cli, "auth-api", env: "test")
            #expect(h.map { $0["revision"] as? Int } == [2, 1])
            #expect(h.allSatisfy { $0["result"] as? String == "succeeded" })
            let firstEnd = try #require(h[1]["finished_at"] as? Double)
            let secondStart = try #require(h[0]["started_at"] as? Double)
            #expect(secondStart >= firstEnd, "the second deploy started before the first finished")
            #expect(deployLog(cli) == ["auth-api 2.2.0-alpha.1 test alpha", "auth-api 2.2.0-alpha.1 test alpha"])
        }
    }

    @Test("a deploy killed with SIGKILL and resumed records one history entry, with its result")
    func killedAndResumed() throws {
        try CLI.with { cli in
            try workspace(cli)
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            let p = try Self.start(cli, ["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat", "--param", "pause=2", "--db", db])
            #expect(Self.waitUntil { ((try? history(cli, "auth-api")) ?? []).count == 1 })
            usleep(500_000)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let running = try history(cli, "auth-api")
            #expect(running.count == 1 && running[0]["result"] as? String == "running")
            let run = try #require(running.first?["run"] as? String)
            let resumed = try cli.run(["resume", run], timeout: 30)
            expectExit(resumed, 0)
            // Reading the history twice (and resuming a finished run) records nothing more.
            _ = try cli.run(["resume", run])
            let h = try history(cli, "auth-api")
            #expect(h.count == 1, "\(h)")
            #expect(h.first?["result"] as? String == "succeeded")
            #expect(h.first?["revision"] as? Int == 1)
            #expect((h.first?["duration"] as? Double ?? 0) > 0)
            #expect(try history(cli, "auth-api").count == 1)
        }
    }

    @Test("a pipeline killed while its release.deploy runs resumes into the same deploy: one revision, the deploy plan finished once")
    func pipelineKilledDuringDeploy() throws {
        try CLI.with { cli in
            try workspace(cli)
            try cli.write("pipeline.plat", DeployCommandTests.shop + """

                plan main() {
                    step "deploy" {
                        let r = release.deploy("auth-api", "2.2.0-alpha.1", env: "test", params: {pause: "2"})
                        print("revision", r.revision, r.result)
                    }
                }
                """)
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            let p = try Self.start(cli, ["run", "pipeline.plat", "--db", db])
            #expect(Self.waitUntil { ((try? history(cli, "auth-api")) ?? []).count == 1 })
            usleep(500_000)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let runs = try cli.run(["runs", "--json"])
            let list = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]] ?? []
            let pipeline = try #require(list.first { $0["plan"] as? String == "main" }?["id"] as? String, "\(runs)")
            let resumed = try cli.run(["resume", pipeline], timeout: 30)
            expectExit(resumed, 0)
            #expect(resumed.stdout == "revision 1 succeeded\n")
            let h = try history(cli, "auth-api")
            #expect(h.count == 1, "\(h)")
            #expect(h.first?["result"] as? String == "succeeded")
        }
    }

    @Test("--detach prints the run id and the revision settles when the background run ends; --as names who deployed")
    func detached() throws {
        try CLI.with { cli in
            try workspace(cli)
            let r = try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat", "--detach", "--as", "ci-bot"])
            expectExit(r, 0)
            let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.count == 8)
            #expect(Self.waitUntil { ((try? history(cli, "auth-api")) ?? []).first?["result"] as? String == "succeeded" })
            let h = try history(cli, "auth-api")
            #expect(h.count == 1 && h[0]["run"] as? String == id && h[0]["who"] as? String == "ci-bot")
        }
    }

    @Test("on release.deployed where env == test starts its plan once per matching deploy under the scheduler")
    func deployedSubscription() throws {
        try CLI.with { cli in
            try workspace(cli)
            try cli.write("smoke.plat", """
                on release.deployed where "env == \\"test\\"" run smoke()
                plan smoke(event: map = {}) { sh("echo \\(event.app) \\(event.version) \\(event.env) \\(event.revision) >> smoke.log") }
                """)
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            expectExit(try cli.run(["schedule", "apply", "smoke.plat"]), 0)
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat"]), 0)
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "stage-sh", "--force", "not a test env"]), 0)
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test"]), 0)
            let scheduler = try Self.start(cli, ["scheduler", "--db", db])
            defer { if scheduler.isRunning { kill(scheduler.processIdentifier, SIGKILL) } }
            let log = cli.directory.appendingPathComponent("smoke.log")
            func lines() -> [String] {
                ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
            #expect(Self.waitUntil { lines().count >= 2 })
            usleep(1_500_000)
            kill(scheduler.processIdentifier, SIGTERM)
            scheduler.waitUntilExit()
            // One run per matching deploy; the scheduler's workers may run the two in either order.
            #expect(lines().sorted() == ["auth-api 2.2.0-alpha.1 test 1", "auth-api 2.2.0-alpha.1 test 2"])
        }
    }

    @Test("a tampered artifact is refused by deploy before anything is recorded")
    func tampered() throws {
        try CLI.with { cli in
            try workspace(cli)
            let blobs = cli.directory.path + "/.platflow/artifacts/blobs/sha256"
            for f in try FileManager.default.contentsOfDirectory(atPath: blobs) {
                let path = blobs + "/" + f
                try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
                let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try h.seekToEnd()
                try h.write(contentsOf: Data("tampered".utf8))
                try h.close()
            }
            let r = try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat"])
            expectExit(r, 1)
            #expect(r.stderr.hasPrefix("error: auth-api 2.2.0-alpha.1's bits in the store do not match their digest: "), "\(r)")
            #expect(try history(cli, "auth-api").isEmpty)
            #expect(deployLog(cli).isEmpty)
        }
    }

    @Test("release.deploy and release.current under --explain say what they would do and record nothing")
    func explained() throws {
        try CLI.with { cli in
            try workspace(cli)
            try cli.write("pipeline.plat", DeployCommandTests.shop + """

                plan main() {
                    let r = release.deploy("auth-api", "2.2.0-alpha.1", env: "test")
                    let c = release.current("auth-api", "test")
                }
                """)
            let r = try cli.run(["run", "pipeline.plat", "--explain"])
            expectExit(r, 0)
            #expect(r.stdout.contains("main: would deploy auth-api 2.2.0-alpha.1 (alpha) to test through its gates, running its deploy plan as a child run\n"), "\(r)")
            #expect(r.stdout.contains("main: would read what runs of auth-api in test\n"), "\(r)")
            #expect(try history(cli, "auth-api").isEmpty)
        }
    }

    @Test("a deploy SIGKILLed at random moments and resumed each time is one revision, succeeded, whose steps all ran")
    func killedAtRandomMoments() throws {
        try CLI.with { cli in
            try workspace(cli)
            try cli.write("steps.plat", """
                app "auth-api" { deploy: deploy_steps, envs: {test: "test"} }
                plan deploy_steps(version: string, env: string) {
                    for i in range(8) {
                        step "part" { sh("echo part-\\(i) >> parts.log; sleep 0.05") }
                    }
                }
                """)
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            for _ in 0..<12 {
                let run = ((try? history(cli, "auth-api")) ?? []).first?["run"] as? String
                let args = run.map { ["resume", $0, "--db", db] }
                    ?? ["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "steps.plat", "--db", db]
                let p = try Self.start(cli, args)
                usleep(UInt32.random(in: 30_000...250_000, using: &generator))
                if p.isRunning {
                    kill(p.processIdentifier, SIGKILL)
                    kills += 1
                }
                p.waitUntilExit()
                if ((try? history(cli, "auth-api")) ?? []).first?["result"] as? String == "succeeded" { break }
            }
            if let run = try history(cli, "auth-api").first?["run"] as? String,
               try history(cli, "auth-api").first?["result"] as? String == "running" {
                expectExit(try cli.run(["resume", run], timeout: 30), 0)
            }
            let h = try history(cli, "auth-api")
            #expect(h.count == 1, "\(kills) kills: \(h)")
            #expect(h.first?["result"] as? String == "succeeded")
            let parts = Set(((try? String(contentsOf: cli.directory.appendingPathComponent("parts.log"), encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init))
            #expect(parts == Set((0..<8).map { "part-\($0)" }))
        }
    }

    @Test("a deploy whose process died does not block the next one: its run is cancelled and its revision abandoned")
    func deadLockTakenOver() throws {
        try CLI.with { cli in
            try workspace(cli)
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            let p = try Self.start(cli, ["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat", "--param", "pause=30", "--db", db])
            #expect(Self.waitUntil { ((try? history(cli, "auth-api")) ?? []).count == 1 })
            usleep(300_000)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let next = try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test"], timeout: 30)
            expectExit(next, 0)
            let h = try history(cli, "auth-api")
            #expect(h.map { $0["result"] as? String } == ["succeeded", "abandoned"])
            let old = try #require(h.last?["run"] as? String)
            let status = try cli.run(["status", old, "--json"])
            #expect(status.stdout.contains("\"status\" : \"cancelled\""), "\(status)")
        }
    }

    @Test("--rollback deploys the newest successful version before the current one, through the gates")
    func rollback() throws {
        try CLI.with { cli in
            try workspace(cli)
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat"]), 0)
            let nothing = try cli.run(["deploy", "web", "--env", "test", "--rollback", "--file", "shop.plat"])
            expectExit(nothing, 2)
            #expect(nothing.stderr.hasPrefix("error: web has no successful deploy to test to roll back from\n"))
            expectExit(try cli.run(["deploy", "web", "1.0.0-alpha.1", "--env", "test", "--file", "shop.plat"]), 0)
            expectExit(try cli.run(["deploy", "web", "1.0.0-alpha.2", "--env", "test"]), 0)
            let back = try cli.run(["deploy", "web", "--env", "test", "--rollback"])
            expectExit(back, 0)
            #expect(back.stdout.hasPrefix("deployed web 1.0.0-alpha.1 to test (revision 3, "))
            let h = try history(cli, "web", env: "test")
            #expect(h.map { $0["version"] as? String } == ["1.0.0-alpha.1", "1.0.0-alpha.2", "1.0.0-alpha.1"])
            #expect(h.first?["rollback_of"] as? String == "1.0.0-alpha.2")
            let table = try cli.run(["app", "history", "web"])
            #expect(table.stdout.contains("succeeded (rollback from 1.0.0-alpha.2)"))
        }
    }

    @Test("bad CD descriptions exit 2 with the file, the line and the field, and record nothing")
    func badDescriptions() throws {
        try CLI.with { cli in
            try workspace(cli)
            let cases: [(name: String, text: String, error: String)] = [
                ("missing.json", "{\n  \"app\": \"web\",\n  \"version\": \"1.0.0-alpha.1\"\n}\n",
                 "error: missing.json:1: missing field 'env'\n"),
                ("unknown.yaml", "app: web\nenv: test\n\nverison: 1.0.0-alpha.1\n",
                 "error: unknown.yaml:4: field 'verison': unknown field\nhint: did you mean 'version'?\n"),
                ("syntax.json", "{\n  \"app\": \"web\",\n  \"env\": \"test\"\n  \"version\": \"1.0.0\"\n}\n",
                 "error: syntax.json:4: not valid JSON: expected ','\n"),
                ("version.yaml", "app: web\nenv: test\nversion: 1.0.0-alpha.01\n",
                 "error: version.yaml:3: field 'version': '1.0.0-alpha.01' is not a valid version: "),
                ("secret.yaml", "app: web\nenv: test\nversion: 1.0.0-alpha.1\nsecrets:\n  token: hunter2\n",
                 "error: secret.yaml:5: field 'token': secrets.token must be a reference env:NAME or file:PATH, never the secret itself\n"),
                ("unset.yaml", "app: web\nenv: test\nversion: 1.0.0-alpha.1\nsecrets:\n  token: env:PLATFLOW_TEST_UNSET_TOKEN\n",
                 "error: unset.yaml:5: field 'token': secrets.token: the environment variable PLATFLOW_TEST_UNSET_TOKEN is not set\n"),
                ("stage.yaml", "app: web\nenv: test\nstage: gamma\n",
                 "error: stage.yaml:3: field 'stage': unknown stage 'gamma'\n"),
            ]
            for c in cases {
                try cli.write(c.name, c.text)
                let r = try cli.run(["deploy", "--config", c.name])
                expectExit(r, 2)
                #expect(r.stderr.hasPrefix(c.error), "\(c.name): \(r.stderr)")
            }
            let h = try cli.run(["app", "history", "web", "--json"])
            #expect(h.stdout == "[\n\n]\n" || h.stdout == "[]\n", "\(h)")
            #expect(deployLog(cli).isEmpty)
        }
    }

    @Test("a CD description deploys by stage with a secret by reference that is never stored")
    func description() throws {
        try CLI.with { cli in
            try workspace(cli)
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat"]), 0)
            try cli.write("token.txt", "s3cr3t-deploy-token\n")
            try cli.write("release.yaml", """
                app: web
                stage: alpha          # the newest alpha: 1.0.0-alpha.2
                env: test
                file: shop.plat
                params: {pause: 0}
                secrets:
                  token: file:token.txt
                """)
            let r = try cli.run(["deploy", "--config", "release.yaml"])
            expectExit(r, 0)
            #expect(r.stdout.hasPrefix("deployed web 1.0.0-alpha.2 to test (revision 1, "))
            var stored = Data()
            for f in try FileManager.default.contentsOfDirectory(atPath: cli.directory.path + "/.platflow") where f.hasPrefix("platflow.db") {
                stored += (try? Data(contentsOf: cli.directory.appendingPathComponent(".platflow/" + f))) ?? Data()
            }
            #expect(!stored.isEmpty)
            #expect(stored.range(of: Data("s3cr3t-deploy-token".utf8)) == nil, "the secret was stored")
            try cli.write("notsecret.yaml", "app: web\nenv: test\nversion: 1.0.0-alpha.1\nsecrets:\n  pause: file:token.txt\n")
            let leak = try cli.run(["deploy", "--config", "notsecret.yaml"])
            expectExit(leak, 2)
            #expect(leak.stderr.hasPrefix("error: secret pause: the deploy plan's parameter pause is not a secret, so its value would be stored\n"))
        }
    }

    @Test("platflow check reports app declarations' problems with their places")
    func checkApps() throws {
        try CLI.with { cli in
            try cli.write("apps.plat", """
                plan deploy_web(version: string, artifact: map, env: string) { print(version) }

                app "web" {
                    deploy: deploy_web,
                    envs: {test: "test", prod: "prodution"},
                    requires: {"auth-api": "^^2"},
                }

                app "api" {
                    deploy: deploy_wbe,
                    envs: {test: "test"},
                }
                """)
            let r = try cli.run(["check", "apps.plat"])
            expectExit(r, 1)
            #expect(r.stderr.contains("apps.plat:10:13: error: deploy: names no plan of this file: 'deploy_wbe'"), "\(r.stderr)")
            #expect(r.stderr.contains("hint: did you mean 'deploy_web'?"), "\(r.stderr)")
            try cli.write("classes.plat", """
                plan deploy_web(version: string, artifact: map, env: string) { print(version) }

                app "web" {
                    deploy: deploy_web,
                    envs: {test: "test", prod: "prodution"},
                    requires: {"auth-api": "^^2"},
                }
                """)
            let c = try cli.run(["check", "classes.plat"])
            expectExit(c, 1)
            #expect(c.stderr.contains("classes.plat:5:"), "\(c.stderr)")
            #expect(c.stderr.contains("app \"web\": environment prod has an unknown class \"prodution\""), "\(c.stderr)")
            #expect(c.stderr.contains("did you mean \"production\"?"), "\(c.stderr)")
            #expect(c.stderr.contains("classes.plat:6:"), "\(c.stderr)")
            #expect(c.stderr.contains("app \"web\" requires auth-api \"^^2\", which is not a version range"), "\(c.stderr)")
        }
    }

    // MARK: Helpers

    /// Starts the binary without waiting (for the tests that hold a deploy open or kill it).
    static func start(_ cli: CLI, _ args: [String]) throws -> Process {
        let p = Process()
        guard let binary = CLI.binary else { throw HarnessError("the platflow binary was not found; run `swift build` first") }
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = cli.directory
        var env: [String: String] = ["NO_COLOR": "1", "LANG": "C.UTF-8"]
        if let path = ProcessInfo.processInfo.environment["PATH"] { env["PATH"] = path }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try CLI.launch(p)
        return p
    }

    static func waitUntil(seconds: Double = 30, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(100_000)
        }
        return false
    }
}
