import Foundation
import Testing

/// Simulated hosts run their scripts confined by bubblewrap: this machine read-only, the host's own folder
/// (and the temporary folder) writable. scripts/setup.sh installs bubblewrap.
@Suite("simulated hosts are confined")
struct ConfinementTests {
    /// Why bubblewrap cannot set up on this machine although it is installed (a chroot, whose `/` is no mount
    /// point; no user namespaces), or nil when it can or is missing (then the test below says to install it).
    static let cannotSetUp: String? = {
        guard let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bwrap)
        p.arguments = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--", "/bin/true"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "bwrap did not start" }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 ? nil : text
    }()

    @Test("a simulated host's script cannot write outside its folder and the temporary folder; inside it can",
          .enabled(if: cannotSetUp == nil, "bubblewrap cannot set up mount namespaces on this machine"))
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

    @Test("where bubblewrap is installed but cannot set up, scripts run unconfined and platflow says so; PLATFLOW_CONFINE=off is silent")
    func unconfinedIsSaid() throws {
        try CLI.with { cli in
            // A bwrap that fails as a real one does in a chroot, first on PATH.
            let bin = cli.directory.appendingPathComponent("fakebin").path
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try cli.write("fakebin/bwrap", "#!/bin/sh\necho 'bwrap: Failed to make / slave: Invalid argument' >&2\nexit 1\n")
            chmod(bin + "/bwrap", 0o755)
            try cli.write("f.plat", """
                plan main() {
                    let r = sh(["h1"], "echo ran")
                    print(r.hosts[0].stdout)
                }

                """)
            let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let r = try cli.run(["run", "f.plat"], environment: ["PATH": path])
            expectExit(r, 0)
            #expect(r.stdout.contains("ran"), "\(r)")
            #expect(r.stderr.contains("run unconfined: bubblewrap cannot set up here (bwrap: Failed to make / slave: Invalid argument)"), "\(r)")
            let off = try cli.run(["run", "f.plat"], environment: ["PATH": path, "PLATFLOW_CONFINE": "off"])
            expectExit(off, 0)
            #expect(!off.stderr.contains("unconfined"), "\(off)")
        }
    }
}
