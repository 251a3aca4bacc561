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
/// environment and its arguments as `$1...`. Uploads stream the bytes through `podman exec -i` into a hidden
/// temporary name beside the target, then rename it over the target; listings and downloads take single files.
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

    public func upload(_ file: FileUpload, to host: PlatJobs.Host) throws -> UploadReceipt {
        var bytes: [UInt8] = []
        while let chunk = try file.next() { bytes.append(contentsOf: chunk) }
        let target = file.destination.path
        let folder = file.destination.folderPath
        let temporary = folder + "/.platflow-upload-\(UUID().uuidString.prefix(8))"
        let mode = String(file.permissions & 0o7777, radix: 8)
        let script = (file.destination.createFolders ? "mkdir -p \(ShellQuote.quote(folder)) && " : "")
            + "if [ -d \(ShellQuote.quote(target)) ] || [ -L \(ShellQuote.quote(target)) ]; then echo 'the target is a folder or a link' >&2; exit 3; fi; "
            + "cat > \(ShellQuote.quote(temporary)) && chmod \(mode) \(ShellQuote.quote(temporary)) && mv -f \(ShellQuote.quote(temporary)) \(ShellQuote.quote(target)) "
            + "|| { rm -f \(ShellQuote.quote(temporary)); exit 1; }"
        let result = try podman(host).execute(["exec", "-i", host.address, "sh", "-c", script], stdin: bytes, timeout: file.control.remaining)
        guard result.exitCode == 0 else {
            throw RuntimeError("host \(host.name): cannot write \(target) in the container: \(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return UploadReceipt(bytes: Int64(bytes.count), sha256: file.sha256 ?? "", path: target)
    }

    public func list(_ path: String, on host: PlatJobs.Host, control: CopyControl) throws -> FileListing {
        let result = try podman(host).execute(["exec", host.address, "sh", "-c", "test -f \"$1\" && wc -c < \"$1\"", "sh", path],
                                              timeout: control.remaining)
        guard result.exitCode == 0, let size = Int64(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return FileListing(files: [], isSingleFile: true, problems: ["\(path): not a file in container \(host.address) (podman hosts list single files)"])
        }
        let name = (path as NSString).lastPathComponent
        return FileListing(files: [ListedFile(path: path, relativePath: name, size: size)], isSingleFile: true)
    }

    public func download(_ file: ListedFile, from host: PlatJobs.Host, control: CopyControl) throws -> any ByteStream {
        let result = try podman(host).execute(["exec", host.address, "cat", file.path], timeout: control.remaining)
        guard result.exitCode == 0 else {
            throw RuntimeError("host \(host.name): cannot read \(file.path): \(result.stderrText)")
        }
        return BufferedStream(bytes: Array(result.stdout.prefix(Int(file.size))), expected: file.size)
    }
}

/// A download already read whole.
final class BufferedStream: ByteStream {
    let bytes: [UInt8]
    let expected: Int64
    var offset = 0

    init(bytes: [UInt8], expected: Int64) {
        self.bytes = bytes
        self.expected = expected
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n <= 0 { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }

    func finish(control: CopyControl) throws {
        if Int64(offset) != expected {
            throw RuntimeError("the container's file changed size while it was read (\(offset) of \(expected) bytes)")
        }
    }
}
