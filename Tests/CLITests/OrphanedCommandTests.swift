import Foundation
import Testing

/// After `kill -9` of platflow, what it had in flight is dealt with before a resume runs it again: the
/// command's process group (recorded when it started) is stopped and the log says so, and a copy's abandoned
/// temporary files are removed.
@Suite("orphans of a killed platflow", .serialized)
struct OrphanedCommandTests {
    let signals = SignalStopTests()

    func newestRunID(_ cli: CLI) throws -> String? {
        let r = try cli.run(["runs", "--json"])
        let runs = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]]
        return runs?.first?["id"] as? String
    }

    /// True once the run's journal holds the process group of the command in flight.
    func groupRecorded(in cli: CLI) -> Bool {
        let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sqlite3", "-readonly", db,
                       "SELECT count(*) FROM engine_journal WHERE status = 'started' AND result LIKE '%process_group%'"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0
    }

    func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    @Test("resume after kill -9 stops the command left running before running it again, and logs it")
    func orphanStopped() throws {
        try CLI.with { cli in
            let marker = cli.directory.appendingPathComponent("marker").path
            let pidFile = cli.directory.appendingPathComponent("pid").path
            // The first attempt records its shell's pid and sleeps long; a later attempt returns at once.
            try cli.write("f.plat", """
                plan main(marker: string, pidfile: string) {
                    step "work" {
                        sh("if [ -e \\"$M\\" ]; then echo again >> \\"$M\\"; exit 0; fi; echo first > \\"$M\\"; echo $$ > \\"$P\\"; sleep 60; echo late >> \\"$M\\"",
                           env: {M: marker, P: pidfile})
                    }
                }

                """)
            let first = try SignalStopTests.Started(cli, ["run", "f.plat", "--param", "marker=\(marker)", "--param", "pidfile=\(pidFile)"])
            #expect(waitUntil(30) { (try? String(contentsOfFile: pidFile, encoding: .utf8))?.hasSuffix("\n") == true })
            let orphan = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
            // The shell can write its pid before platflow has journaled the group it leads (a loaded machine):
            // the kill this test stands for comes after that record, so wait for it.
            #expect(waitUntil(30) { groupRecorded(in: cli) }, "the journal never recorded the command's process group")
            first.send(SIGKILL)
            _ = first.exit(within: 10)
            #expect(kill(orphan, 0) == 0, "the command should outlive the killed platflow")
            let id = try #require(try newestRunID(cli))
            let resume = try cli.run(["resume", id], timeout: 30)
            expectExit(resume, 0)
            #expect(resume.stderr.contains("killed the sh() left running"), "\(resume)")
            let logs = try cli.run(["logs", id])
            #expect(logs.stdout.contains("killed the sh() left running"), "\(logs)")
            // The orphan is gone (or a zombie waiting for init), and never wrote its late line.
            #expect(waitUntil(5) {
                guard let stat = try? String(contentsOfFile: "/proc/\(orphan)/stat", encoding: .utf8) else { return true }
                return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
            })
            #expect(try String(contentsOfFile: marker, encoding: .utf8) == "first\nagain\n")
        }
    }

    @Test("a copy killed with kill -9 leaves a temporary file; the resumed copy removes it")
    func abandonedTemporaryRemoved() throws {
        try CLI.with { cli in
            try cli.write("big.bin", Data(repeating: 9, count: 400_000))
            try cli.write("f.plat", """
                plan main() {
                    step "cp" { copy(from: "big.bin", to: ["h1"], dest: "/data/", upload_limit: 0.002) }
                }

                """)
            let folder = cli.directory.appendingPathComponent(".platflow/hosts/h1/data").path
            func temporaries() -> Set<String> {
                Set(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".tmp") })
            }
            let first = try SignalStopTests.Started(cli, ["run", "f.plat"])
            #expect(waitUntil(30) { !temporaries().isEmpty })
            first.send(SIGKILL)
            _ = first.exit(within: 10)
            let abandoned = temporaries()
            #expect(abandoned.count == 1, "\(abandoned)")
            // Only a temporary file older than a moment can be judged abandoned.
            sleep(6)
            let id = try #require(try newestRunID(cli))
            let resume = try SignalStopTests.Started(cli, ["resume", id])
            #expect(waitUntil(30) { let now = temporaries(); return !now.isEmpty && now.isDisjoint(with: abandoned) },
                    "\(temporaries()) \(abandoned)")
            resume.send(SIGINT)
            #expect(resume.exit(within: 10) == 130, "\(resume.stderr)")
            #expect(temporaries().isEmpty, "\(temporaries())")
        }
    }
}
