import Foundation
import Testing

/// Simulated hosts run their scripts confined by bubblewrap: this machine read-only, the host's own folder
/// (and the temporary folder) writable. scripts/setup.sh installs bubblewrap.
@Suite("simulated hosts are confined")
struct ConfinementTests {
    @Test("a simulated host's script cannot write outside its folder and the temporary folder; inside it can")
    func confined() throws {
        #expect(["/usr/bin/bwrap", "/usr/local/bin/bwrap"].contains { FileManager.default.isExecutableFile(atPath: $0) },
                "bubblewrap (bwrap) is needed: run scripts/setup.sh")
        try CLI.with { cli in
            let outside = "/var/tmp/platflow-confinement-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("platflow-conf-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            try cli.write("f.plat", """
                plan main(outside: string, scratch: string) {
                    let r = sh(["h1"], "if touch \\"$1\\" 2>/dev/null; then echo outside-written; else echo outside-refused; fi; echo data > inside.txt; echo t > \\"$2\\"",
                               args: [outside, scratch])
                    print(r.hosts[0].stdout)
                }

                """)
            let r = try cli.run(["run", "f.plat", "--param", "outside=\(outside)", "--param", "scratch=\(scratch)"])
            expectExit(r, 0)
            #expect(r.stdout.contains("outside-refused"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: outside))
            #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent(".platflow/hosts/h1/inside.txt").path))
            #expect(FileManager.default.fileExists(atPath: scratch))
        }
    }
}
