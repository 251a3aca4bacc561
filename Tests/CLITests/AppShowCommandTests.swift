import Foundation
import PlatTestKit
import Testing

/// `platflow app show`: one app as Release knows it (versions and stages per environment) and as the container
/// runtime runs it (revision, pods per node, health), in one view.
@Suite("platflow app show", .serialized) struct AppShowCommandTests {
    @Test("an app only Release knows says it runs in no container; an unknown app is bad input")
    func releaseOnly() throws {
        try CLI.with { cli in
            try DeployCommandTests().workspace(cli)
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat"], timeout: 60), 0)
            let shown = try cli.run(["app", "show", "auth-api"])
            expectExit(shown, 0)
            #expect(shown.stdout.contains("2.2.0-alpha.1  alpha"), "\(shown)")
            #expect(shown.stdout.contains("containers: none"), "\(shown)")
            let json = try cli.run(["app", "show", "auth-api", "--json"])
            let o = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect((o?["containers"] as? [Any])?.isEmpty == true)
            #expect((o?["envs"] as? [[String: Any]])?.count == 3)
            let unknown = try cli.run(["app", "show", "auth"])
            expectExit(unknown, 2)
            #expect(unknown.stderr.contains("unknown app 'auth'"), "\(unknown)")
        }
    }

    @Test("an app deployed by Release and installed on podman shows its version per environment and its pods per node with their health")
    func bothSides() throws {
        try CLI.with { cli in
            let tar = try ImageCommandTests().rootfs(cli)
            try ImageCommandTests().podmanReachable(cli, rootfs: tar)
            // A short folder for the database: the node's podman run root sits beside it and must stay under 50 characters.
            var template = Array("/tmp/pf-show-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw HarnessError("cannot make a folder in /tmp") }
            let short = String(cString: made)
            let db = short + "/p.db"
            let node = short + "/nodes/c1-n1"
            let podman = (ProcessInfo.processInfo.environment["PLATFLOW_PODMAN"] ?? "podman").split(separator: " ").map(String.init)
                + ["--root", node + "/storage", "--runroot", node + "/run", "--tmpdir", node + "/tmp"]
            func podmanRun(_ args: [String]) -> Int32 {
                var environment = ProcessInfo.processInfo.environment
                environment["CONTAINERS_CONF"] = node + "/containers.conf"
                return OutsideProgram.run(podman + args, environment: environment, timeout: 300).exitCode
            }
            defer {
                _ = podmanRun(["pod", "rm", "-a", "-f", "-t", "0"])
                _ = podmanRun(["system", "reset", "--force"])
                try? FileManager.default.removeItem(atPath: short)
            }
            try cli.write("shop.plat", DeployCommandTests.shop)
            try cli.write("web.tgz", "web\n")
            for (app, version) in [("web", "1.0.0-alpha.2"), ("auth-api", "2.2.0-alpha.1")] {
                expectExit(try cli.run(["artifact", "push", app, version, "web.tgz", "--db", db]), 0)
            }
            expectExit(try cli.run(["deploy", "auth-api", "2.2.0-alpha.1", "--env", "test", "--file", "shop.plat", "--db", db], timeout: 60), 0)
            expectExit(try cli.run(["deploy", "web", "1.0.0-alpha.2", "--env", "test", "--file", "shop.plat", "--db", db], timeout: 60), 0)
            expectExit(try cli.run(["cluster", "create", "c1", "--db", db]), 0)
            expectExit(try cli.run(["node", "add", "n1", "--db", db]), 0)
            #expect(podmanRun(["import", "--quiet", tar, "localhost/base:1"]) == 0)
            try cli.write("web.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: 2
                  template:
                    spec:
                      containers:
                        - name: main
                          image: localhost/base:1
                          command: ["sh", "-c", "exec sleep 100000"]
                          readinessProbe:
                            exec:
                              command: ["true"]
                """)
            expectExit(try cli.run(["app", "install", "web", "--manifests", "web.yaml", "--namespace", "test", "--db", db], timeout: 300), 0)

            let shown = try cli.run(["app", "show", "web", "--db", db], timeout: 60)
            expectExit(shown, 0)
            // Release's side: the version and its stage in test, nothing yet in the other environments.
            #expect(shown.stdout.contains("declared in"), "\(shown)")
            #expect(shown.stdout.contains("1.0.0-alpha.2  alpha"), "\(shown)")
            // The container side: the install, its revision, readiness and placement, and each pod's health.
            #expect(shown.stdout.contains("c1       test       1 (deployed)"), "\(shown)")
            #expect(shown.stdout.contains("2/2") && shown.stdout.contains("n1: 2"), "\(shown)")
            #expect(shown.stdout.components(separatedBy: "Running  healthy").count == 3, "\(shown)")

            let json = try cli.run(["app", "show", "web", "--json", "--db", db], timeout: 60)
            let o = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let install = (o?["containers"] as? [[String: Any]])?.first
            #expect(install?["namespace"] as? String == "test" && install?["ready"] as? Int == 2 && install?["desired"] as? Int == 2)
            #expect((install?["pods_per_node"] as? [String: Int]) == ["n1": 2])
            #expect((install?["pods"] as? [[String: Any]])?.compactMap { $0["health"] as? String } == ["healthy", "healthy"])
            let test = (o?["envs"] as? [[String: Any]])?.first { $0["env"] as? String == "test" }
            #expect((test?["current"] as? [String: Any])?["version"] as? String == "1.0.0-alpha.2")

            // An install without Release: the container side alone.
            expectExit(try cli.run(["app", "install", "side", "--manifests", "web.yaml", "--namespace", "test", "--db", db], timeout: 300), 0)
            let side = try cli.run(["app", "show", "side", "--db", db], timeout: 60)
            expectExit(side, 0)
            #expect(side.stdout.contains("not recorded by Release") && side.stdout.contains("2/2"), "\(side)")

            // The namespace view: one line per install; the default namespace holds none.
            let status = try cli.run(["app", "status", "--namespace", "test", "--db", db], timeout: 60)
            expectExit(status, 0)
            #expect(status.stdout == """
                NAMESPACE  APP   REVISION      READY  RUNNING
                test       side  1 (deployed)  2/2    2
                test       web   1 (deployed)  2/2    2

                """, "\(status)")
            let none = try cli.run(["app", "status", "--db", db], timeout: 60)
            #expect(none.stdout.isEmpty && none.stderr.contains("no apps installed in namespace default"), "\(none)")
            let wide = try cli.run(["app", "status", "web", "-A", "-o", "wide", "--db", db], timeout: 60)
            #expect(wide.stdout.contains("c1       web.yaml  n1: 2"), "\(wide)")
            // The container view: every container with its state and health; wide adds node, image and podman's words.
            let containers = try cli.run(["app", "containers", "web", "--namespace", "test", "-o", "wide", "--db", db], timeout: 60)
            expectExit(containers, 0)
            #expect(containers.stdout.components(separatedBy: "main       running  healthy  n1    localhost/base:1  Up ").count == 3, "\(containers)")
            let cjson = try cli.run(["app", "containers", "-A", "-o", "json", "--db", db], timeout: 60)
            let list = try JSONSerialization.jsonObject(with: Data(cjson.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(list.count == 4 && Set(list.compactMap { $0["app"] as? String }) == ["web", "side"])
            expectExit(try cli.run(["app", "containers", "-o", "yaml", "--db", db]), 2)

            // Release's deploy plan rolls the container install to the version it deploys: one app, both sides move.
            try cli.write("roll.plat", """
                app "side" { deploy: roll_side, envs: {test: "test"} }

                plan roll_side(version: string, artifact: map, env: string) {
                    step "roll" {
                        let s = containers.upgrade("side", namespace: env, image: "localhost/base:\\(version)")
                        print(s.revision, s.status, s.running)
                    }
                }
                """)
            #expect(podmanRun(["tag", "localhost/base:1", "localhost/base:2.0.0-alpha.1"]) == 0)
            expectExit(try cli.run(["artifact", "push", "side", "2.0.0-alpha.1", "web.tgz", "--db", db]), 0)
            let deployed = try cli.run(["deploy", "side", "2.0.0-alpha.1", "--env", "test", "--file", "roll.plat", "--db", db], timeout: 300)
            expectExit(deployed, 0)
            #expect(deployed.stdout.contains("2 deployed 2"), "\(deployed)")
            let rolled = try cli.run(["app", "show", "side", "--json", "--db", db], timeout: 60)
            let r = try JSONSerialization.jsonObject(with: Data(rolled.stdout.utf8)) as? [String: Any]
            let env = (r?["envs"] as? [[String: Any]])?.first
            #expect((env?["current"] as? [String: Any])?["version"] as? String == "2.0.0-alpha.1", "\(rolled)")
            let sideInstall = (r?["containers"] as? [[String: Any]])?.first
            #expect(sideInstall?["revision"] as? Int == 2 && sideInstall?["revision_status"] as? String == "deployed" && sideInstall?["ready"] as? Int == 2)
            #expect((sideInstall?["pods"] as? [[String: Any]])?.allSatisfy { $0["revision"] as? Int == 2 } == true, "\(rolled)")
            let images = try cli.run(["app", "containers", "side", "--namespace", "test", "-o", "json", "--db", db], timeout: 60)
            let imageList = try JSONSerialization.jsonObject(with: Data(images.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(imageList.compactMap { $0["image"] as? String } == ["localhost/base:2.0.0-alpha.1", "localhost/base:2.0.0-alpha.1"], "\(images)")
        }
    }
}
