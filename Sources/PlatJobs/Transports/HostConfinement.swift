import Foundation
import PlatEngine

/// What confines a simulated host's scripts: where bubblewrap (`bwrap`) is installed and works, a script runs
/// in a mount namespace of its own where the whole file system is read-only except the host's own folder and
/// the temporary folder, with a fresh /dev. So `rm -rf /` in a simulated host's script fails instead of
/// emptying this machine. Processes, the network and the temporary folder are shared (see docs/safety.md).
/// `PLATFLOW_CONFINE=off` turns it off (scripts then run unconfined, as they do where bwrap is missing).
enum HostConfinement {
    /// The bwrap to use, or nil when scripts run unconfined. Probed once per process: bwrap may be installed
    /// yet unusable (no user namespaces for this user), and a script must not fail for that.
    static let bwrap: String? = {
        if ProcessInfo.processInfo.environment["PLATFLOW_CONFINE"] == "off" { return nil }
        guard let path = ProcessRunner.which("bwrap") else { return nil }
        let probe = ProcessSpec(arguments: [path] + mounts(writable: []) + ["--", "/bin/sh", "-c", "true"],
                                environment: ["PATH": "/usr/bin:/bin"])
        // A setup failure can be a passing one (see `failedToSetUp`): ask again before giving up on it.
        var r = try? ProcessRunner.run(probe)
        for pause in [0.05, 0.2, 0.5] where r.map(failedToSetUp) == true {
            usleep(useconds_t(pause * 1e6))
            r = try? ProcessRunner.run(probe)
        }
        guard let r, r.exitCode == 0, !r.timedOut else {
            // Installed yet unable to set up here (no user namespaces for this user, or `/` is no mount point,
            // as in a chroot): scripts still run, but the operator must know they run unconfined.
            let reason = r.flatMap { String(decoding: $0.stderr, as: UTF8.self).split(separator: "\n").first }
                .map(String.init) ?? "it did not start"
            let warning = "platflow: warning: simulated hosts' scripts run unconfined: bubblewrap cannot set up here ("
                + reason + "); PLATFLOW_CONFINE=off says that is intended (see docs/safety.md)\n"
            FileHandle.standardError.write(Data(warning.utf8))
            return nil
        }
        return path
    }()

    /// The temporary folder stays writable: scripts and the programs they call (mktemp, the PowerShell
    /// wrapper) put their scratch files there.
    static var temporaryFolder: String {
        let t = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return t.count > 1 && t.hasSuffix("/") ? String(t.dropLast()) : t
    }

    static func mounts(writable: [String]) -> [String] {
        var args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--die-with-parent"]
        for w in writable { args += ["--bind", w, w] }
        return args
    }

    /// True when bubblewrap itself failed before the script started (it says so on stderr and exits 1 without
    /// output): a mount under `/` that came or went while it remounted them read-only (containers starting on
    /// this machine) makes its setup fail now and then. The script never ran, so running it again is safe.
    /// (A script that prints "bwrap: " first on stderr, nothing on stdout, and exits 1 is run again too.)
    static func failedToSetUp(_ r: ProcessResult) -> Bool {
        r.exitCode == 1 && r.stdout.isEmpty && r.stderr.starts(with: Array("bwrap: ".utf8))
    }

    /// Runs `spec` (built with `wrap`), again after a bubblewrap setup failure: up to ten attempts, waiting
    /// 10 ms, 20 ms ... up to half a second between them (such failures come in bursts while containers start).
    static func run(_ spec: ProcessSpec) throws -> ProcessResult {
        var result = try ProcessRunner.run(spec)
        var attempt = 1
        var pause = 0.01
        while attempt < 10 && bwrap != nil && spec.arguments.first == bwrap && failedToSetUp(result) {
            usleep(useconds_t(pause * 1e6))
            pause = min(pause * 2, 0.5)
            result = try ProcessRunner.run(spec)
            attempt += 1
        }
        return result
    }

    /// `arguments` run confined to `root` (an absolute folder that exists), or unchanged where confinement
    /// is unavailable.
    static func wrap(_ arguments: [String], root: String) -> [String] {
        guard let bwrap else { return arguments }
        var writable: [String] = []
        let tmp = temporaryFolder
        if FileManager.default.fileExists(atPath: tmp) { writable.append(tmp) }
        // A root inside the temporary folder is writable through it already.
        if root != tmp && !root.hasPrefix(tmp + "/") { writable.append(root) }
        return [bwrap] + mounts(writable: writable) + ["--chdir", root, "--"] + arguments
    }
}
