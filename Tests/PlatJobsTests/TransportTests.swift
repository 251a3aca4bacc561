import Foundation
import Testing
import PlatEngine
import PlatLang
@testable import PlatJobs

/// Scripts on this machine and on simulated hosts, in every language installed here.
@Suite struct TransportTests {
    // MARK: Helpers

    /// Arguments that break naive quoting: spaces, quotes, `$`, backslashes, newlines, option look-alikes.
    static let hostileArgs = ["plain", "two words", "it's", "say \"hi\"", "$HOME and $(echo no) and `echo no`",
                              "back\\slash", "line1\nline2", "-e", "--", "", "*", "tab\there", "日本語 ✓", "; rm -rf /"]

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "platflow-transport-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func localhost(vars: [String: String] = [:]) -> PlatJobs.Host { PlatJobs.Host(name: "localhost", vars: vars) }

    private func simulated(_ name: String, base: String, vars: [String: String] = [:]) -> PlatJobs.Host {
        PlatJobs.Host(name: name, root: base + "/" + name, vars: vars)
    }

    private func run(_ script: String, _ language: ScriptLanguage = .bash, args: [String] = [],
                     env: [String: String] = [:], timeout: Double? = nil, connection: String? = nil,
                     on host: PlatJobs.Host? = nil) throws -> ProcessResult {
        try LocalTransport().run(ScriptJob(script: script, language: language, args: args, env: env,
                                           timeout: timeout, connection: connection), on: host ?? localhost())
    }

    /// stdout split on NUL bytes (scripts print each argument followed by NUL).
    private func nulSeparated(_ r: ProcessResult) -> [String] {
        var parts = r.stdout.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    private func has(_ program: String) -> Bool { ProcessRunner.which(program) != nil }

    // MARK: Arguments arrive intact, in every language

    @Test func bashArgumentsArriveIntact() throws {
        let r = try run("printf '%s\\0' \"$@\"", args: Self.hostileArgs)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(nulSeparated(r) == Self.hostileArgs)
    }

    @Test func shArgumentsArriveIntact() throws {
        let r = try run("for a in \"$@\"; do printf '%s\\0' \"$a\"; done", .sh, args: Self.hostileArgs)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(nulSeparated(r) == Self.hostileArgs)
    }

    @Test func pythonArgumentsArriveIntact() throws {
        try #require(has("python3"), "python3 is not installed (apt-get install python3)")
        let r = try run("import sys\nfor a in sys.argv[1:]:\n    sys.stdout.write(a + '\\0')\n", .python, args: Self.hostileArgs)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(nulSeparated(r) == Self.hostileArgs)
    }

    @Test func perlArgumentsArriveIntact() throws {
        try #require(has("perl"), "perl is not installed (apt-get install perl)")
        let r = try run("binmode STDOUT; print map { \"$_\\0\" } @ARGV;", .perl, args: Self.hostileArgs)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(nulSeparated(r) == Self.hostileArgs)
    }

    @Test func argumentsOnSimulatedHostsToo() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let r = try run("printf '%s\\0' \"$@\"", args: Self.hostileArgs, on: simulated("sim-1", base: base))
        #expect(nulSeparated(r) == Self.hostileArgs)
    }

    // MARK: Languages

    @Test func sqliteRunsTheScriptAgainstTheFile() throws {
        try #require(has("sqlite3"), "sqlite3 is not installed (apt-get install sqlite3)")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/app.db"
        let r = try run("create table t(x text); insert into t values ('a'), ('it''s'); select count(*) from t;",
                        .sql, connection: "sqlite:" + db)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(r.stdoutText == "2\n")
        #expect(FileManager.default.fileExists(atPath: db))
        // -bail: the first error stops the script with a failing exit code.
        let bad = try run("select * from missing_table; select 'not reached';", .sql, connection: "sqlite:" + db)
        #expect(bad.exitCode != 0)
        #expect(bad.stderrText.contains("missing_table"))
        #expect(!bad.stdoutText.contains("not reached"))
    }

    @Test func sqliteOnASimulatedHostKeepsAbsolutePathsUnderItsRoot() throws {
        try #require(has("sqlite3"), "sqlite3 is not installed (apt-get install sqlite3)")
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let host = simulated("db-1", base: base)
        try FileManager.default.createDirectory(atPath: base + "/db-1/var", withIntermediateDirectories: true)
        let r = try run("create table t(x); insert into t values (1); select count(*) from t;", .sql,
                        connection: "sqlite:/var/app.db", on: host)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(FileManager.default.fileExists(atPath: base + "/db-1/var/app.db"))
        #expect(!FileManager.default.fileExists(atPath: "/var/app.db"))
    }

    @Test func sqlConnectionErrors() throws {
        #expect(throws: RuntimeError.self) { try run("select 1;", .sql) }
        #expect(throws: RuntimeError.self) { try run("select 1;", .sql, connection: "oracle:x") }
        #expect(throws: RuntimeError.self) { try run("select 1;", .sql, connection: "sqlite:") }
        do {
            _ = try run("select 1;", .sql, args: ["x"], connection: "sqlite::memory:")
            Issue.record("sql with arguments should be refused")
        } catch let e as RuntimeError {
            #expect(e.message.contains("no arguments"))
        }
        if !has("mysql") {
            do {
                _ = try run("select 1;", .sql, connection: "mysql://u:p@127.0.0.1:1/db")
                Issue.record("mysql without its client should fail")
            } catch let e as RuntimeError {
                #expect(e.message.contains("mysql"))
                #expect(e.hint?.contains("default-mysql-client") == true)
            }
        }
        if has("psql") {
            // The client runs (nothing listens on port 1): psql's own failure, not ours.
            let r = try run("select 1;", .sql, connection: "postgres://nobody@127.0.0.1:1/db")
            #expect(r.exitCode != 0)
            #expect(r.stderrText.contains("127.0.0.1"), "\(r.stderrText)")
        }
    }

    @Test func powershellWithoutPwshIsAClearError() throws {
        let empty = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        // A PATH without pwsh (but with sh), whether or not this machine has pwsh.
        do {
            _ = try run("Write-Output hi", .powershell, env: ["PATH": empty + ":/usr/bin:/bin"])
            if has("pwsh") == false { Issue.record("powershell without pwsh should fail") }
        } catch let e as RuntimeError {
            #expect(e.message == "powershell scripts need pwsh, which is not installed here")
            #expect(e.hint?.contains("PowerShell") == true)
        }
    }

    @Test func powershellRunsThroughATemporaryScriptFile() throws {
        // A stand-in pwsh proves the plumbing: the flags, a .ps1 file holding the script, real arguments, and
        // the temporary folder removed afterwards.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fake = dir + "/pwsh"
        try """
        #!/bin/sh
        printf '%s\\0' "$@"
        printf 'script:'; cat "$4"
        printf '%s' "$4" > \(dir)/seen
        exit 7
        """.write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        let env = ["PATH": dir + ":/usr/bin:/bin", "TMPDIR": dir]
        let r = try run("Write-Output 'hi'", .powershell, args: ["a b", "$x"], env: env)
        #expect(r.exitCode == 7)
        let parts = nulSeparated(r)
        #expect(parts.count == 7)
        #expect(Array(parts.prefix(3)) == ["-NoProfile", "-NonInteractive", "-File"])
        #expect(parts.count > 3 && parts[3].hasSuffix("/script.ps1"))
        #expect(Array(parts.dropFirst(4).prefix(2)) == ["a b", "$x"])
        #expect(parts.last == "script:Write-Output 'hi'")
        let seen = try String(contentsOfFile: dir + "/seen", encoding: .utf8)
        #expect(seen.hasPrefix(dir + "/platflow-ps."))
        #expect(!FileManager.default.fileExists(atPath: seen), "the temporary script should be removed")
    }

    @Test func batIsRefusedOffWindows() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        for host in [localhost(), simulated("win-1", base: base, vars: ["os": "windows"])] {
            do {
                _ = try run("echo hi", .bat, on: host)
                Issue.record("bat should be refused on \(host.name)")
            } catch let e as RuntimeError {
                #expect(e.message.hasPrefix("bat scripts run only on Windows hosts"))
            }
        }
    }

    @Test func aMissingInterpreterNamesThePackage() throws {
        let empty = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        do {
            _ = try run("print(1)", .python, env: ["PATH": empty])
            Issue.record("python3 should not be found")
        } catch let e as ProcessRunnerError {
            guard case .notFound(let name, let hint) = e else { Issue.record("unexpected \(e)"); return }
            #expect(name == "python3")
            #expect(hint.contains("apt-get install python3"))
        }
    }

    // MARK: Environment, variables, working directory

    @Test func environmentOnThisMachine() throws {
        let env = ["APP_ENV": "prod", "QUOTED": "a 'b' \"c\" $HOME\nnext", "PLATFLOW_HOST": "spoofed"]
        let host = localhost(vars: ["rack-id": "r7", "os": "linux", "Zone.Name": "eu 1"])
        let script = """
        printf '%s\\0' "$APP_ENV" "$QUOTED" "$PLATFLOW_HOST" "$PLATFLOW_HOST_ROOT" "$PLATFLOW_VAR_RACK_ID" \
          "$PLATFLOW_VAR_OS" "$PLATFLOW_VAR_ZONE_NAME" "$PWD" "${PATH:+path}"
        """
        let r = try run(script, env: env, on: host)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(nulSeparated(r) == ["prod", "a 'b' \"c\" $HOME\nnext", "localhost", "/", "r7", "linux", "eu 1",
                                    FileManager.default.currentDirectoryPath, "path"])
    }

    @Test func simulatedHostsHaveTheirOwnRoot() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let host = simulated("web-07", base: base, vars: ["role": "web"])
        #expect(!FileManager.default.fileExists(atPath: base + "/web-07"))
        let r = try run("printf '%s\\0' \"$(pwd)\" \"$HOME\" \"$PLATFLOW_HOST\" \"$PLATFLOW_HOST_ROOT\" \"$PLATFLOW_VAR_ROLE\"; touch marker",
                        on: host)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        let root = base + "/web-07"
        #expect(nulSeparated(r) == [root, root, "web-07", root, "web"])
        #expect(FileManager.default.fileExists(atPath: root + "/marker"))
        // Python sees the same.
        if has("python3") {
            let p = try run("import os\nprint(os.getcwd(), os.environ['PLATFLOW_HOST'])", .python, on: host)
            #expect(p.stdoutText == "\(root) web-07\n")
        }
    }

    @Test func invalidVariablesAndArgumentsAreRefused() throws {
        #expect(throws: RuntimeError.self) { try run("true", env: ["BAD NAME": "x"]) }
        #expect(throws: RuntimeError.self) { try run("true", env: ["1X": "x"]) }
        #expect(throws: RuntimeError.self) { try run("true", env: ["A=B": "x"]) }
        #expect(throws: RuntimeError.self) { try run("true", env: ["X": "a\0b"]) }
        #expect(throws: RuntimeError.self) { try run("true", args: ["a\0b"]) }
    }

    @Test func hostVariableNames() {
        #expect(ScriptEnvironment.variableName(forHostVar: "rack-id") == "PLATFLOW_VAR_RACK_ID")
        #expect(ScriptEnvironment.variableName(forHostVar: "os") == "PLATFLOW_VAR_OS")
        #expect(ScriptEnvironment.variableName(forHostVar: "zone.name 2") == "PLATFLOW_VAR_ZONE_NAME_2")
        #expect(ScriptEnvironment.variableName(forHostVar: "ünï") == "PLATFLOW_VAR__N_")
    }

    // MARK: Exit codes, timeouts, output

    @Test func exitCodesAndStreams() throws {
        let r = try run("echo out; echo err >&2; exit 3")
        #expect(r.exitCode == 3)
        #expect(r.stdoutText == "out\n")
        #expect(r.stderrText == "err\n")
        #expect(try run("exit 255").exitCode == 255)
        #expect(try run("true").exitCode == 0)
        if has("python3") { #expect(try run("import sys; sys.exit(4)", .python).exitCode == 4) }
        if has("perl") { #expect(try run("exit 5;", .perl).exitCode == 5) }
    }

    @Test func timeoutsKillTheScript() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Date()
        let r = try run("sleep 30 & echo $! > \(dir)/child; wait", timeout: 0.5)
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.timedOut)
        #expect(r.exitCode != 0)
        #expect(elapsed < 5, "took \(elapsed) s")
        // The script's own children go too (the whole process group).
        let pid = Int32((try? String(contentsOfFile: dir + "/child", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(pid > 0)
        if pid > 0 {
            var alive = true
            for _ in 0..<100 where alive {
                alive = kill(pid, 0) == 0 && !(((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "").contains(") Z"))
                if alive { usleep(20_000) }
            }
            #expect(!alive, "sleep \(pid) survived the timeout")
        }
    }

    @Test func outputIsCapped() throws {
        let job = ScriptJob(script: "head -c 5000 /dev/zero", outputCap: 1000)
        let r = try LocalTransport().run(job, on: localhost())
        #expect(r.stdout.count == 1000)
        #expect(r.stdoutDropped == 4000)
    }

    // MARK: Fleets

    @Test func twoHundredSimulatedHosts() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let hosts = (1...200).map { simulated(String(format: "web-%03d", $0), base: base, vars: ["index": "\($0)"]) }
        let transport = LocalTransport()
        let start = Date()
        for host in hosts {
            let r = try transport.run(ScriptJob(script: "echo \"$PLATFLOW_HOST $PLATFLOW_VAR_INDEX\" > out.txt"), on: host)
            #expect(r.exitCode == 0)
        }
        let elapsed = Date().timeIntervalSince(start)
        print("200 simulated hosts, one after another: \(String(format: "%.2f", elapsed)) s, "
              + "\(String(format: "%.0f", 200 / elapsed)) hosts/s")
        for (i, host) in hosts.enumerated() {
            let text = try String(contentsOfFile: (host.root ?? "") + "/out.txt", encoding: .utf8)
            #expect(text == "\(host.name) \(i + 1)\n")
        }
        // A bound against a per-host cost of seconds (a hang, a retry storm), not a speed target: the speed is
        // bench/fanout.sh's, and loaded CI machines take many times the quiet figure.
        #expect(elapsed < 300)
    }

    // MARK: Choosing and describing commands

    @Test func transportsPickByHost() throws {
        #expect(try Transports.transport(for: localhost()) is LocalTransport)
        #expect(try Transports.transport(for: PlatJobs.Host(name: "a", root: "/tmp/x")) is LocalTransport)
        #expect(try Transports.transport(for: PlatJobs.Host(name: "b", transport: .ssh)) is SSHTransport)
        #expect(throws: RuntimeError.self) {
            try LocalTransport().run(ScriptJob(script: "true"), on: PlatJobs.Host(name: "b", transport: .ssh))
        }
    }

    @Test func languageCommands() throws {
        func argv(_ lang: ScriptLanguage, _ args: [String] = ["a"], connection: String? = nil) throws -> [String] {
            try LanguageRunner.command(for: ScriptJob(script: "", language: lang, args: args, connection: connection))
        }
        #expect(try argv(.bash) == ["bash", "-s", "--", "a"])
        #expect(try argv(.sh) == ["sh", "-s", "--", "a"])
        #expect(try argv(.python) == ["python3", "-", "a"])
        #expect(try argv(.perl) == ["perl", "-", "a"])
        #expect(try argv(.powershell).first == "sh")
        #expect(try argv(.sql, [], connection: "sqlite:/tmp/x.db") == ["sqlite3", "-batch", "-bail", "/tmp/x.db"])
        #expect(try argv(.sql, [], connection: "sqlite:-odd") == ["sqlite3", "-batch", "-bail", "./-odd"])
        #expect(try argv(.sql, [], connection: "mysql://u:secret@db.example:3307/app")
                == ["mysql", "--batch", "--host=db.example", "--port=3307", "--user=u", "--database=app"])
        #expect(try argv(.sql, [], connection: "postgres://u@h/app").last == "--dbname=postgresql://u@h/app")
        #expect(throws: RuntimeError.self) { try argv(.bat) }
    }

    @Test func windowsCommandsCarryArgumentsAsBase64Only() throws {
        let job = ScriptJob(script: "", language: .powershell, args: ["$(Remove-Item C:\\)", "a'b"], env: ["X": "1"])
        let argv = try LanguageRunner.command(for: job, onWindows: true)
        #expect(Array(argv.prefix(6)) == ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
                                          "-EncodedCommand"])
        let encoded = try #require(argv.last.flatMap { Data(base64Encoded: $0) })
        let units = stride(from: 0, to: encoded.count - 1, by: 2).map { UInt16(encoded[$0]) | UInt16(encoded[$0 + 1]) << 8 }
        let text = String(decoding: units, as: UTF16.self)
        #expect(text.contains(Data("$(Remove-Item C:\\)".utf8).base64EncodedString()))
        #expect(!text.contains("Remove-Item C:"))
        #expect(text.contains("-File $f @a"))
        #expect(try LanguageRunner.command(for: ScriptJob(script: "", language: .bat), onWindows: true).first == "powershell.exe")
        #expect(throws: RuntimeError.self) {
            try LanguageRunner.command(for: ScriptJob(script: "", language: .bash), onWindows: true)
        }
    }
}
