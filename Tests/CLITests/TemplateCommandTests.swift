import Foundation
import Testing

/// Slices, the conditional expression, templates and the file effects through the real binary: what `check`
/// reports, where a template error points, and the shipped render-config workflow.
@Suite("templates and file effects from the command line")
struct TemplateCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("check reports bad slice bounds, a non-bool literal condition and unknown names inside both forms")
    func checkNewForms() throws {
        try CLI.with { cli in
            try cli.write("c.plat", """
                let xs = [1, 2, 3]
                print(xs["1":], xs[::0], xs[:nope])
                print(if "yes" then 1 else other)

                """)
            let r = try cli.run(["check", "c.plat", "--json"])
            expectExit(r, 1)
            let items = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
            let found = items.map { "\($0["line"] ?? ""):\($0["column"] ?? ""): \($0["message"] ?? "")" }
            #expect(found == [
                "2:10: slice start must be an int or nil, got string",
                "2:22: slice step cannot be 0",
                "2:30: undefined name 'nope'",
                "3:10: the condition of 'if ... then ... else' must be a bool, got string",
                "3:28: undefined name 'other'",
            ], "\(r)")
        }
    }

    @Test("a template error names the template file, line and column, with its line, and exits 1")
    func templateErrorPosition() throws {
        try CLI.with { cli in
            try cli.write("app.tmpl", "server {\n    listen \\(prot);\n}\n")
            try cli.write("t.plat", """
                plan main() {
                    print(render_template("app.tmpl", {port: 80}))
                }

                """)
            let r = try cli.run(["run", "t.plat"])
            expectExit(r, 1)
            #expect(r.diagnostics.contains("""
                app.tmpl:2:14: error: undefined name 'prot'
                        listen \\(prot);
                                 ^
                hint: did you mean 'port'?
                Traceback (most recent call last):
                  t.plat:2:26: in main
                  app.tmpl:2:14: in <template>
                """), "\(r)")
        }
    }

    @Test("the shipped render-config workflow renders, writes and copies; a second run finds the file up to date")
    func renderConfigWorkflow() throws {
        let env = "cli-\(UUID().uuidString.prefix(8).lowercased())"
        let folder = "/tmp/platflow-render-config-\(env)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let workflow = TemplateCommandTests.root.appendingPathComponent("workflows/render-config.plat").path
        let template = TemplateCommandTests.root.appendingPathComponent("workflows/templates/app.conf.tmpl").path
        try CLI.with { cli in
            let args = ["run", workflow, "--param", "env=\(env)", "--param", "source=\(template)", "--param", "tls=true"]
            let explain = try cli.run(args + ["--explain"])
            expectExit(explain, 0)
            #expect(explain.stdout.contains("would write"), "\(explain)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/app.conf"))

            let first = try cli.run(args, timeout: 60)
            expectExit(first, 0)
            #expect(first.stdout.hasPrefix("wrote "), "\(first)")
            #expect(first.stdout.contains("app.conf on 2 of 2 hosts"), "\(first)")
            let conf = try String(contentsOfFile: folder + "/app.conf", encoding: .utf8)
            #expect(conf.contains("listen 8080 ssl;\nworkers 2;\n"), "\(conf)")
            #expect(conf.contains("location ~ ^/v\\d+/"), "backslashes stay as written: \(conf)")
            let onHost = cli.directory.appendingPathComponent(".platflow/hosts/web-02/etc/app/app.conf").path
            #expect((try? String(contentsOfFile: onHost, encoding: .utf8)) == conf)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["app.conf"])

            let second = try cli.run(args, timeout: 60)
            expectExit(second, 0)
            #expect(second.stdout.hasPrefix("\(folder)/app.conf is up to date"), "\(second)")
        }
    }
}
