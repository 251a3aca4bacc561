import Foundation
import PlatJobs

/// Where a node's podman runs: on this machine with a storage of its own, or on a remote host over ssh.
public enum PodmanEndpoint: Sendable, Equatable {
    /// podman on this machine, confined to `storage` (its own images, containers and run state), so one
    /// machine can hold several nodes.
    case local(NodeStorage)
    /// podman on a remote host, run through the job platform's ssh (the remote podman's own storage).
    case remote(PlatJobs.Host)
}

/// A local node's podman folders and configuration: `--root`, `--runroot`, `--tmpdir` and the
/// containers.conf platflow writes, all under one folder (`.platflow/nodes/NAME/` beside the database).
public struct NodeStorage: Sendable, Equatable {
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The folder of node `node` beside the database at `databasePath` (`DIR/nodes/NODE` for `DIR/x.db`).
    public static func beside(database databasePath: String, node: String) -> NodeStorage {
        let dir = (databasePath as NSString).deletingLastPathComponent
        let base = dir.isEmpty ? "." : dir
        return NodeStorage(folder: absolute(base + "/nodes/" + node))
    }

    public var root: String { folder + "/storage" }
    /// podman refuses a runroot longer than 50 characters: a long folder's run state goes to a short folder
    /// in /tmp named by a digest of the node folder (so the same node always finds it again).
    public var runroot: String {
        let inside = folder + "/run"
        if inside.utf8.count <= 50 { return inside }
        return "/tmp/platflow-run-" + Self.shortDigest(folder)
    }
    public var tmpdir: String { folder + "/tmp" }
    public var configFile: String { folder + "/containers.conf" }

    /// What podman needs on these machines (cgroups v1, no systemd): runc (crun rejects hybrid cgroups),
    /// cgroupfs, a file event log and file locks (no shared memory locks between storages), and explicit
    /// ulimits (the defaults podman computes can exceed what the machine grants).
    public static let configuration = """
        # Written by platflow for this node; rewritten when the node is added again.
        [containers]
        default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

        [engine]
        runtime = "runc"
        cgroup_manager = "cgroupfs"
        events_logger = "file"
        lock_type = "file"

        """

    /// Creates the folders and writes containers.conf (idempotent).
    public func prepare() throws {
        let fm = FileManager.default
        do {
            for dir in [root, runroot, tmpdir] {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            let existing = fm.contents(atPath: configFile).map { String(decoding: $0, as: UTF8.self) }
            if existing != Self.configuration {
                try Data(Self.configuration.utf8).write(to: URL(fileURLWithPath: configFile), options: .atomic)
            }
        } catch {
            throw PodmanError("cannot prepare the node folder \(folder): \(error.localizedDescription)",
                              hint: "the folder beside the database must be writable")
        }
    }

    /// The global options that confine podman to this storage.
    var globalArguments: [String] {
        ["--root", root, "--runroot", runroot, "--tmpdir", tmpdir]
    }

    /// 16 hex digits of FNV-1a over the text (a name, not a security measure).
    static func shortDigest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        let cwd = FileManager.default.currentDirectoryPath
        return ((cwd + "/" + path) as NSString).standardizingPath
    }
}

/// A podman failure: what was asked, what podman said, and a hint.
public struct PodmanError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var hint: String?
    /// podman's exit code, when podman ran.
    public var exitCode: Int32?

    public init(_ message: String, hint: String? = nil, exitCode: Int32? = nil) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    public var description: String { message }
}
