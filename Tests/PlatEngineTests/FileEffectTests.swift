import Foundation
import PlatEngine
import PlatLang
import PlatStore
import Testing

/// `read_file` and `write_file` under the journal: a retried run replays what it read and does not write again;
/// writes are atomic and leave no temporary file; errors are clear and catchable.
@Suite("file effects")
struct FileEffectTests {
    final class Captured: RunOutput {
        var printed = ""
        func program(_ text: String) { printed += text }
        func event(_ event: RunEvent) {}
    }

    /// Runs `plan` (with `DIR` replaced by a scratch folder) under the engine's own effects.
    func withRun(_ plan: String, _ body: (RunExecutor, String, String, Captured) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("file-effects-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/f.plat"
        try plan.replacingOccurrences(of: "DIR", with: dir).write(toFile: file, atomically: true, encoding: .utf8)
        let store = try RunStore.open(path: dir + "/f.db", modules: ModuleSet(), durability: .normal)
        let output = Captured()
        let executor = RunExecutor(store: store, output: output, registry: .engine)
        try body(executor, try executor.create(file: file, plan: nil, params: [:]).id, dir, output)
    }

    func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    func files(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix("f.") }.sorted()
    }

    @Test("a retried run replays the read and the write: the file is not written twice, the old text is reused")
    func resumedRunDoesNotWriteTwice() throws {
        try withRun("""
            plan main() {
                let source = read_file("DIR/source.txt")
                let r = write_file("DIR/out.conf", "copied: " + source)
                print("changed:", r.changed, "bytes:", r.bytes)
                sh("test ! -e DIR/stop")
                print("now:", read_file("DIR/out.conf"))
            }
            """) { executor, id, dir, output in
            try "one".write(toFile: dir + "/source.txt", atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: dir + "/stop", contents: nil)
            guard case .failed = try executor.execute(id) else { Issue.record("the first attempt should fail at sh"); return }
            #expect(text(dir + "/out.conf") == "copied: one")
            #expect(output.printed == "changed: true bytes: 11\n")

            // Between the attempts the source changes and someone edits the written file.
            try "two".write(toFile: dir + "/source.txt", atomically: true, encoding: .utf8)
            try "edited by hand".write(toFile: dir + "/out.conf", atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: dir + "/stop")
            try executor.prepareRetry(id)
            guard case .succeeded = try executor.execute(id) else { Issue.record("the retry should succeed"); return }
            // The write was not done again (the hand edit stays), and the read answered from the journal.
            #expect(text(dir + "/out.conf") == "edited by hand")
            #expect(output.printed.hasSuffix("now: edited by hand\n"), "\(output.printed)")

            // The journal keeps the path and the size of a write, never its content.
            let args = try executor.store.db.query("SELECT args FROM engine_journal WHERE run_id = ? AND effect = 'write_file'", id)
                .compactMap { $0.string("args") }
            #expect(args.count == 1)
            #expect(args.first?.contains("out.conf") == true && args.first?.contains("copied") == false, "\(args)")
            #expect(files(dir) == ["out.conf", "source.txt"])
        }
    }

    @Test("write_file replaces atomically, keeps or sets the mode, reports unchanged content and leaves no temporary file")
    func atomicWrite() throws {
        try withRun("""
            plan main() {
                print(write_file("DIR/a.conf", "x=1\\n").changed)
                print(write_file("DIR/a.conf", "x=1\\n").changed)
                print(write_file("DIR/a.conf", "x=2\\n", mode: "0600").changed)
                print(write_file("DIR/a.conf", "x=3\\n").changed)
                print(write_file("DIR/b.conf", "", mode: 0o640).bytes)
                print(write_file("DIR/link.conf", "via link\\n").changed)
            }
            """) { executor, id, dir, output in
            // A temporary file left by a writer killed outright: unlocked and old, it is cleared by the next write.
            let stale = dir + "/.a.conf.platflow-0000abcd.tmp"
            _ = FileManager.default.createFile(atPath: stale, contents: Data("half".utf8))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: stale)
            try FileManager.default.createSymbolicLink(atPath: dir + "/link.conf", withDestinationPath: dir + "/target.conf")
            guard case .succeeded = try executor.execute(id) else { Issue.record("the run should succeed"); return }
            #expect(output.printed == "true\nfalse\ntrue\ntrue\n0\ntrue\n")
            #expect(text(dir + "/a.conf") == "x=3\n")
            let mode = { (p: String) in (try? FileManager.default.attributesOfItem(atPath: dir + "/" + p)[.posixPermissions] as? Int) ?? -1 }
            #expect(mode("a.conf") == 0o600, "a later write without mode keeps the mode")
            #expect(mode("b.conf") == 0o640)
            // The symlink still points at its target, whose content was replaced.
            #expect(text(dir + "/target.conf") == "via link\n")
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.conf")) == dir + "/target.conf")
            #expect(files(dir) == ["a.conf", "b.conf", "link.conf", "target.conf"])
        }
    }

    @Test("missing files, folders and bad arguments are clear errors that try/catch can handle, and nothing is left behind")
    func errors() throws {
        try withRun("""
            fn attempt(f) {
                try { f() } catch e { print(e.message) }
            }
            plan main() {
                attempt(fn() => read_file("DIR/missing.txt"))
                attempt(fn() => read_file("DIR/sub"))
                attempt(fn() => read_file("DIR/binary"))
                attempt(fn() => read_file(""))
                attempt(fn() => write_file("DIR/sub", "x"))
                attempt(fn() => write_file("DIR/nofolder/x.conf", "x"))
                attempt(fn() => write_file("DIR/sub/", "x"))
                attempt(fn() => write_file("DIR/m.conf", "x", mode: "rw-r--r--"))
                attempt(fn() => write_file("DIR/m.conf", "x", mode: 0o17777))
                attempt(fn() => write_file("DIR/m.conf", 42))
                attempt(fn() => write_file("/proc/platflow-test.conf", "x"))
            }
            """) { executor, id, dir, output in
            try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
            _ = FileManager.default.createFile(atPath: dir + "/binary", contents: Data([0xff, 0xfe, 0x00, 0xc3]))
            guard case .succeeded = try executor.execute(id) else { Issue.record("every error is caught"); return }
            #expect(output.printed == """
                read_file(): no such file: DIR/missing.txt
                read_file(): DIR/sub is a directory, not a file
                read_file(): DIR/binary is not UTF-8 text
                read_file() needs a path, got an empty string
                write_file(): DIR/sub is a directory, not a file
                write_file(): the folder DIR/nofolder does not exist
                write_file(): DIR/sub/ names a folder; give the file's path
                write_file() mode "rw-r--r--" is not an octal permission
                write_file() mode 8191 is out of range
                write_file() expects a string for 'content', got int
                write_file(): cannot create a file in /proc: No such file or directory

                """.replacingOccurrences(of: "DIR", with: dir), "\(output.printed)")
            #expect(files(dir) == ["binary", "sub"])
            #expect(files(dir + "/sub") == [])
        }
    }

    @Test("render_template reads the file through read_file (journaled) and points errors at the template's line and column")
    func renderTemplate() throws {
        try withRun(#"""
            plan main() {
                let conf = render_template("DIR/app.conf.tmpl", {port: 8443, hosts: ["a", "b"]})
                write_file("DIR/app.conf", conf)
                try { render_template("DIR/bad.tmpl", {port: 1}) } catch e { print(e.location, e.message) }
            }
            """#) { executor, id, dir, output in
            try #"""
                listen \(port);
                upstreams \(hosts.join(","));
                """#.write(toFile: dir + "/app.conf.tmpl", atomically: true, encoding: .utf8)
            try "first line\nport \\(prot)\n".write(toFile: dir + "/bad.tmpl", atomically: true, encoding: .utf8)
            guard case .succeeded = try executor.execute(id) else { Issue.record("the run should succeed"); return }
            #expect(text(dir + "/app.conf") == "listen 8443;\nupstreams a,b;")
            #expect(output.printed == "\(dir)/bad.tmpl:2:8 undefined name 'prot'\n", "\(output.printed)")
            let effects = try executor.store.db.query("SELECT effect FROM engine_journal WHERE run_id = ? ORDER BY rowid", id)
                .compactMap { $0.string("effect") }
            #expect(effects == ["read_file", "write_file", "read_file"])
        }
    }
}
