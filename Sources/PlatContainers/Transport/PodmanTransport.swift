import Foundation
import PlatEngine
import PlatJobs
import PlatLang

/// `transport: "podman"` hosts: `sh` and `copy` reach into a running container with `podman exec`.
///
/// A host map names the container as its address and the node it runs on in one more field: `storage` (a
/// local node's folder) or `ssh` (a remote node, `user@host:port`); `containers.status()` returns such a map
/// for every pod (`host`), so a plan can write `sh("...", hosts: [pod.host])`.
///
/// Scripts run with the container's `sh` (busybox images have no bash), the job's variables in the
/// environment and its arguments as `$1...`. Files (uploads, listings of files, folders and globs, downloads):
/// PodmanTransport+Files.swift.
public struct PodmanTransport: HostTransport {
    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The podman of the node the host's container runs on.
    func podman(_ host: PlatJobs.Host) throws -> Podman {
        if let storage = host.vars["storage"], !storage.isEmpty {
            return Podman.local(NodeStorage(folder: storage), environment: environment)
        }
        if let ssh = host.vars["ssh"], !ssh.isEmpty {
            let node = Node(cluster: "", name: host.name, kind: "ssh", address: ssh, cpus: 1, memoryBytes: 1)
            return Podman(endpoint: .remote(ClusterRuntime.sshHost(node)), environment: environment)
        }
        throw RuntimeError("host \(host.name): a podman host needs `storage` (a local node's folder) or `ssh` (a remote node)",
                           hint: "containers.status(app) returns ready-made host maps of its pods")
    }

    public func run(_ job: ScriptJob, on host: PlatJobs.Host) throws -> ProcessResult {
        guard job.language == .bash || job.language == .sh else {
            throw RuntimeError("host \(host.name): podman hosts run sh scripts, not \(job.language.rawValue)")
        }
        var env = job.env
        for (k, v) in host.vars where k != "storage" && k != "ssh" {
            env[ScriptEnvironment.variableName(forHostVar: k)] = v
        }
        var argv = ["exec", "-i"]
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { argv += ["--env", "\(k)=\(v)"] }
        argv += [host.address, "sh", "-s", "--"] + job.args
        return try podman(host).execute(argv, stdin: Array(job.script.utf8), timeout: job.timeout)
    }
}
