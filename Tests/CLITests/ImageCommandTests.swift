import Foundation
import PlatTestKit
import Testing

/// `platflow image` and `platflow registry serve` with a real podman and docker-registry (scripts/setup.sh
/// installs both; busybox-static makes the root filesystem).
@Suite("platflow image and registry", .serialized) struct ImageCommandTests {
    func rootfs(_ cli: CLI) throws -> String {
        let root = cli.directory.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let busybox = ["/bin/busybox", "/usr/bin/busybox"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let busybox else { throw HarnessError("busybox is not installed (apt-get install busybox-static; scripts/setup.sh)") }
        try FileManager.default.copyItem(atPath: busybox, toPath: root.appendingPathComponent("bin/busybox").path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("bin/sh").path, withDestinationPath: "busybox")
        let tar = cli.directory.appendingPathComponent("rootfs.tar").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/tar")
        p.arguments = ["-C", root.path, "-cf", tar, "."]
        try p.run()
        p.waitUntilExit()
        return tar
    }

    /// Where podman cannot unpack images as things are (a chroot whose `/` is not a mount point), the commands
    /// reach it through the container tests' namespace wrapper (`PodmanProbe` decides, with an image import as
    /// the test of "works"); a machine where neither way works fails the test with both reasons.
    func podmanReachable(_ cli: CLI, rootfs tar: String) throws {
        if ProcessInfo.processInfo.environment[PodmanProbe.programVariable] != nil { return }
        _ = try PodmanProbe.environment { env in importFailure(cli, rootfs: tar, environment: env) }
    }

    /// nil when podman can import `tar` with `environment`, else its messages.
    func importFailure(_ cli: CLI, rootfs tar: String, environment: [String: String]) -> String? {
        let storage = cli.directory.appendingPathComponent("probe-\(UUID().uuidString.prefix(6))").path
        // podman refuses a run root over 50 characters.
        let runroot = "/tmp/pf-probe-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: runroot) }
        let program = PodmanProbe.program(environment)
        let folders = ["--root", storage + "/storage", "--runroot", runroot, "--tmpdir", storage + "/tmp"]
        let imported = OutsideProgram.run(program + folders + ["import", tar, "localhost/probe:1"],
                                          environment: environment, timeout: 300)
        // The same folders as the import: podman remembers them, and a reset empties them.
        OutsideProgram.run(program + folders + ["system", "reset", "--force"], environment: environment, timeout: 120)
        return imported.exitCode == 0 ? nil : imported.stderrText + (imported.timedOut ? " (timed out)" : "")
    }

    @Test func importListPushThroughARegistryServedByPlatflow() throws {
        try CLI.with { cli in
            let tar = try rootfs(cli)
            try podmanReachable(cli, rootfs: tar)
            let bad = try cli.run(["image", "import", tar, "--tag", "base:1"])
            expectExit(bad, 2)
            #expect(bad.stderr.contains("say who may use the image"))
            let both = try cli.run(["image", "import", tar, "--tag", "base:1", "--public", "--project", "shop"])
            expectExit(both, 2)
            let imported = try cli.run(["image", "import", tar, "--tag", "base:1", "--public"], timeout: 120)
            expectExit(imported, 0)
            #expect(imported.stdout.hasPrefix("imported localhost/base:1 (public, "), "\(imported)")
            let own = try cli.run(["image", "import", tar, "--tag", "crm/tools:1", "--project", "crm"], timeout: 120)
            expectExit(own, 0)
            let visible = try cli.run(["image", "list", "--project", "shop"])
            expectExit(visible, 0)
            #expect(visible.stdout.contains("localhost/base:1") && !visible.stdout.contains("crm/tools"), "\(visible)")

            // registry serve becomes docker-registry: the process platflow started is the registry.
            guard let binary = CLI.binary else { throw HarnessError("no platflow binary") }
            let port = 21_000 + Int.random(in: 0..<20_000)
            let registry = Process()
            registry.executableURL = binary
            registry.arguments = ["registry", "serve", "--port", "\(port)", "--dir", cli.directory.appendingPathComponent("reg").path]
            registry.currentDirectoryURL = cli.directory
            registry.standardOutput = FileHandle.nullDevice
            registry.standardError = FileHandle.nullDevice
            try registry.run()
            defer { if registry.isRunning { registry.terminate(); registry.waitUntilExit() } }
            var up = false
            for _ in 0..<100 where registry.isRunning {
                if registryAnswers(port: port) { up = true; break }
                usleep(50_000)
            }
            #expect(up, "platflow registry serve did not answer on 127.0.0.1:\(port)")
            let pushed = try cli.run(["image", "push", "base:1", "--registry", "127.0.0.1:\(port)"], timeout: 120)
            expectExit(pushed, 0)
            #expect(pushed.stdout.hasPrefix("pushed localhost/base:1 as 127.0.0.1:\(port)/base:1 (sha256:"), "\(pushed)")
            let shown = try cli.run(["image", "show", "base:1", "--json"])
            #expect(shown.stdout.contains("\"pushed_to\" : \"127.0.0.1:\(port)\\/base:1\"") || shown.stdout.contains("\"pushed_to\" : \"127.0.0.1:\(port)/base:1\""), "\(shown)")
            registry.terminate()
            registry.waitUntilExit()
            #expect(!registryAnswers(port: port))
            let removed = try cli.run(["image", "remove", "crm/tools:1"], timeout: 60)
            expectExit(removed, 0)
            let missing = try cli.run(["image", "show", "crm/tools:1"])
            expectExit(missing, 2)
            let storage = cli.directory.appendingPathComponent(".platflow/image-store").path
            OutsideProgram.run([ProcessInfo.processInfo.environment["PLATFLOW_PODMAN"] ?? "podman", "--root", storage + "/storage",
                                "--runroot", storage + "/run", "--tmpdir", storage + "/tmp", "system", "reset", "--force"],
                               timeout: 120)
        }
    }

    /// Does something accept a TCP connection on 127.0.0.1:port?
    func registryAnswers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
