import Foundation
import PlatEngine
import PlatTestKit
@testable import PlatContainers

/// What the podman tests share: a scratch folder, node storages inside it, and the base image made from
/// busybox-static (no internet registry here).
///
/// podman runs directly when it can, else through the namespace wrapper (PlatTestKit's `PodmanProbe` decides,
/// with a container started from the base image as the test of "works").
enum PodmanTestKit {
    static let baseImage = "localhost/base:1"

    /// A fresh scratch folder (removed by `cleanUp`).
    static func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "platflow-crt-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The environment podman runs with in tests: the process's own, plus PLATFLOW_PODMAN when the probe
    /// found that podman needs the namespace wrapper.
    static func environment() throws -> [String: String] {
        try probe.get()
    }

    /// A ready node storage under `dir` with the base image imported.
    static func node(_ name: String, in dir: String) throws -> Podman {
        let storage = NodeStorage(folder: dir + "/nodes/" + name)
        try storage.prepare()
        let podman = Podman.local(storage, environment: try environment())
        try importBase(into: podman, scratch: dir)
        return podman
    }

    /// Imports the busybox base image into `podman`'s storage.
    static func importBase(into podman: Podman, scratch dir: String) throws {
        try podman.importImage(tarball: try baseTarball(), reference: baseImage)
    }

    /// Removes every pod and container the node holds, then the folder (storage files are owned by root and
    /// may hold mounts, so podman unmounts first).
    static func cleanUp(_ podmans: [Podman], folder: String) {
        for p in podmans {
            _ = try? p.execute(["pod", "rm", "-a", "-f", "-t", "0"])
            _ = try? p.execute(["rm", "-a", "-f", "-t", "0"])
            _ = try? p.execute(["system", "reset", "--force"])
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: Once per test process

    /// The busybox-static root filesystem as a tar (made once per test process).
    static func baseTarball() throws -> String { try tarball.get() }

    private static let tarball: Result<String, Error> = Result {
        let dir = NSTemporaryDirectory() + "platflow-crt-base-\(getpid())"
        let root = dir + "/root"
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        let busybox = ["/bin/busybox", "/usr/bin/busybox"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let busybox else {
            throw PodmanError("busybox is not installed: the container tests build their base image from it",
                              hint: "apt-get install busybox-static (scripts/setup.sh)")
        }
        let target = root + "/bin/busybox"
        if !FileManager.default.fileExists(atPath: target) {
            try FileManager.default.copyItem(atPath: busybox, toPath: target)
        }
        for applet in ["sh", "echo", "sleep", "httpd", "true", "false", "cat", "wget", "nc", "ls", "kill",
                       "mkdir", "touch", "rm", "test", "env", "ps", "yes", "timeout", "grep", "killall"] {
            let link = root + "/bin/" + applet
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil {
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "busybox")
            }
        }
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/www", withIntermediateDirectories: true)
        try Data("ok\n".utf8).write(to: URL(fileURLWithPath: root + "/www/index.html"))
        let tar = dir + "/base.tar"
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["tar", "-C", root, "-cf", tar, "."]))
        guard r.exitCode == 0 else { throw PodmanError("tar failed: \(r.stderrText)") }
        return tar
    }

    /// Can podman start a container here as it is, or through the namespace wrapper? (`PodmanProbe` decides.)
    private static let probe: Result<[String: String], Error> = Result {
        let dir = NSTemporaryDirectory() + "platflow-crt-probe-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try PodmanProbe.environment { env in
            try attempt(environment: env, folder: dir + (env[PodmanProbe.programVariable] == nil ? "/direct" : "/wrapped"))
        }
    }

    /// nil when `podman run --rm base true` works with `environment`, else why not.
    private static func attempt(environment: [String: String], folder: String) throws -> String? {
        let storage = NodeStorage(folder: folder)
        try storage.prepare()
        let podman = Podman.local(storage, environment: environment)
        defer { cleanUp([podman], folder: folder) }
        do {
            try podman.importImage(tarball: try baseTarball(), reference: baseImage)
            try podman.check(["run", "--rm", baseImage, "true"], timeout: 120)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
