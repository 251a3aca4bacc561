import Foundation
import Testing

/// Secret parameters: never in a command's text, never in what is recorded or printed, and a retry that
/// cannot have them changes nothing.
@Suite("secrets in runs")
struct SecretHandlingTests {
    static let secret = "s3cr3t-Value-42"

    func runID(_ r: CLIResult) -> String? {
        guard let first = r.stderr.split(separator: "\n").first, first.hasPrefix("run ") else { return nil }
        return String(first.dropFirst(4))
    }

    /// Every byte the run left in the database folder (the database, its WAL and journal files).
    func databaseBytes(_ cli: CLI) throws -> Data {
        let folder = cli.directory.appendingPathComponent(".platflow")
        var all = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix("platflow.db") {
            all.append(try Data(contentsOf: folder.appendingPathComponent(name)))
        }
        return all
    }

    @Test("a secret interpolated into a command is refused with the way to pass it, and the command does not run")
    func interpolationRefused() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(token: secret) {
                    step "clean" { sh("rm -f \\(token)") }
                }

                """)
            try cli.write("keep.txt", "precious\n")
            let r = try cli.run(["run", "f.plat", "--param", "token=\(Self.secret)"])
            expectExit(r, 1)
            #expect(r.stderr.contains("built from the secret 'token'"), "\(r)")
            #expect(r.stderr.contains("env: {TOKEN: token}"), "\(r)")
            // `rm -f ***` would have deleted every file here.
            #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("keep.txt").path))
        }
    }

    @Test("a secret interpolated into a string built further is refused too; printing it still shows ***")
    func derivedTextRefused() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(token: secret) {
                    let line = "token=\\(token)"
                    print(line)
                    sh(["h1"], "echo " + line + "; true")
                }

                """)
            let r = try cli.run(["run", "f.plat", "--param", "token=\(Self.secret)"])
            expectExit(r, 1)
            #expect(r.stdout == "token=***\n", "\(r)")
            #expect(r.stderr.contains("built from the secret 'token'"), "\(r)")
        }
    }

    @Test("str() of a secret handed to a command is refused the same way")
    func strOfSecretRefused() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(token: secret) {
                    let t = str(token)
                    sh("echo " + t)
                }

                """)
            let r = try cli.run(["run", "f.plat", "--param", "token=\(Self.secret)"])
            expectExit(r, 1)
            #expect(r.stderr.contains("built from the secret 'token'"), "\(r)")
        }
    }

    @Test("a secret's value printed by commands is masked on the terminal, in logs, failure messages and the database")
    func outputMasked() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(token: secret) {
                    step "show" {
                        let out = sh("echo token is $T; echo $T >&2", env: {T: token})
                        print(out.stdout)
                        sh(["h1", "h2"], "echo host has $T", env: {T: token})
                        sh("echo failing with $T >&2; exit 3", env: {T: token})
                    }
                }

                """)
            let r = try cli.run(["run", "f.plat", "--param", "token=\(Self.secret)"])
            expectExit(r, 1)
            #expect(!r.stdout.contains(Self.secret) && !r.stderr.contains(Self.secret), "\(r)")
            #expect(r.stdout.contains("token is ***"), "\(r)")
            guard let id = runID(r) else {
                Issue.record("no run id\n\(r)")
                return
            }
            let logs = try cli.run(["logs", id])
            expectExit(logs, 0)
            #expect(!logs.stdout.contains(Self.secret), "\(logs)")
            #expect(logs.stdout.contains("failing with ***") && logs.stdout.contains("host has ***"), "\(logs)")
            let status = try cli.run(["status", id])
            #expect(!status.stdout.contains(Self.secret) && !status.stderr.contains(Self.secret), "\(status)")
            let stored = try databaseBytes(cli)
            #expect(stored.range(of: Data(Self.secret.utf8)) == nil, "the secret's value is stored in the database")
        }
    }

    @Test("retry without the secret changes nothing; with it the run goes on; --detach is refused and changes nothing")
    func retryNeedsTheSecret() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(token: secret, flag: string) {
                    step "a" { sh("test -e \\"$F\\" || exit 4", env: {F: flag}) }
                }

                """)
            let flag = cli.directory.appendingPathComponent("flag").path
            let first = try cli.run(["run", "f.plat", "--param", "token=\(Self.secret)", "--param", "flag=\(flag)"])
            expectExit(first, 1)
            guard let id = runID(first) else {
                Issue.record("no run id\n\(first)")
                return
            }
            func status() throws -> String {
                let runs = try cli.run(["runs"])
                return runs.stdout.split(separator: "\n").first { $0.hasPrefix(id) }.map(String.init) ?? runs.description
            }
            let bare = try cli.run(["retry", id])
            expectExit(bare, 2)
            #expect(bare.stderr.contains("secret parameter 'token'"), "\(bare)")
            let afterBare = try status()
            #expect(afterBare.contains("failed"), "\(afterBare)")
            let detached = try cli.run(["retry", id, "--detach", "--param", "token=\(Self.secret)"])
            expectExit(detached, 2)
            let afterDetach = try status()
            #expect(afterDetach.contains("failed"), "\(afterDetach)")
            try cli.write("flag", "")
            let retry = try cli.run(["retry", id, "--param", "token=\(Self.secret)"])
            expectExit(retry, 0)
            let afterRetry = try status()
            #expect(afterRetry.contains("succeeded"), "\(afterRetry)")
        }
    }
}
