import Foundation
import PlatEngine

/// What to start in one container (`podman run -d`).
public struct ContainerLaunch: Sendable, Equatable {
    public var name: String
    public var image: String
    /// Replaces the image's entrypoint (Kubernetes' `command`); empty keeps it.
    public var command: [String]
    /// Replaces the image's cmd (Kubernetes' `args`).
    public var args: [String]
    public var environment: [(String, String)]
    public var labels: [String: String]
    /// The pod to join; nil for a container of its own.
    public var pod: String?
    /// CPUs (`--cpus`), nil for no limit.
    public var cpus: Double?
    /// Memory limit in bytes (`--memory`), nil for no limit.
    public var memoryBytes: Int64?
    /// A command podman runs as the container's health check (`--health-cmd`, run by `healthcheck run`).
    public var healthCommand: [String]?
    /// `--init`: a tiny init as PID 1 forwards signals (busybox as PID 1 ignores SIGTERM).
    public var useInit: Bool
    /// `--network` (host, none, a network name); nil for podman's default (or the pod's).
    public var network: String?
    /// `-p` mappings, as podman takes them (`127.0.0.1:8080:80`).
    public var publish: [String]

    public init(name: String, image: String, command: [String] = [], args: [String] = [],
                environment: [(String, String)] = [], labels: [String: String] = [:], pod: String? = nil,
                cpus: Double? = nil, memoryBytes: Int64? = nil, healthCommand: [String]? = nil,
                useInit: Bool = true, network: String? = nil, publish: [String] = []) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.environment = environment
        self.labels = labels
        self.pod = pod
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.healthCommand = healthCommand
        self.useInit = useInit
        self.network = network
        self.publish = publish
    }

    public static func == (a: ContainerLaunch, b: ContainerLaunch) -> Bool {
        a.name == b.name && a.image == b.image && a.command == b.command && a.args == b.args
            && a.environment.map { $0.0 + "=" + $0.1 } == b.environment.map { $0.0 + "=" + $0.1 }
            && a.labels == b.labels && a.pod == b.pod && a.cpus == b.cpus && a.memoryBytes == b.memoryBytes
            && a.healthCommand == b.healthCommand && a.useInit == b.useInit && a.network == b.network
            && a.publish == b.publish
    }

    /// The `podman run` arguments (detached).
    public var runArguments: [String] {
        var argv = ["run", "-d", "--name", name]
        if useInit && pod == nil { argv.append("--init") }
        if let pod { argv += ["--pod", pod] }
        if let network, pod == nil { argv += ["--network", network] }
        for p in publish where pod == nil { argv += ["-p", p] }
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { argv += ["--label", "\(k)=\(v)"] }
        for (k, v) in environment { argv += ["--env", "\(k)=\(v)"] }
        if let cpus { argv += ["--cpus", Self.decimal(cpus)] }
        if let memoryBytes { argv += ["--memory", "\(memoryBytes)b"] }
        if let health = healthCommand {
            // JSON array form: podman runs it without a shell. The interval is 0 (no timer: there is no
            // systemd here); platflow runs `podman healthcheck run` itself when it waits for readiness.
            let encoded = (try? JSONSerialization.data(withJSONObject: health)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            argv += ["--health-cmd", encoded, "--health-interval", "0", "--health-retries", "1"]
        }
        if let entry = command.first {
            // --entrypoint takes one program; the rest of `command` goes before `args`.
            argv += ["--entrypoint", entry, image] + command.dropFirst() + args
        } else {
            argv += [image] + args
        }
        return argv
    }

    static func decimal(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.3f", v)
    }
}

extension Podman {
    // MARK: Listing

    /// Every container (running or not) carrying all of `labels`, infra containers left out.
    public func containers(labels: [String: String] = [:]) throws -> [PodmanContainer] {
        var argv = ["ps", "-a", "--pod", "--format", "json"]
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { argv += ["--filter", "label=\(k)=\(v)"] }
        return try json(argv, as: [PodmanContainer].self).filter { !$0.isInfra }
    }

    /// The container named `name` exactly, if it exists.
    public func container(named name: String) throws -> PodmanContainer? {
        let escaped = NSRegularExpression.escapedPattern(for: name)
        return try json(["ps", "-a", "--pod", "--format", "json", "--filter", "name=^\(escaped)$"], as: [PodmanContainer].self)
            .first { $0.name == name }
    }

    /// Every pod carrying all of `labels`.
    public func pods(labels: [String: String] = [:]) throws -> [PodmanPod] {
        var argv = ["pod", "ps", "--format", "json"]
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { argv += ["--filter", "label=\(k)=\(v)"] }
        return try json(argv, as: [PodmanPod].self)
    }

    // MARK: Pods and containers

    /// Creates a pod (`--infra` keeps the network namespace its containers share).
    public func createPod(name: String, labels: [String: String], network: String? = nil,
                          publish: [String] = []) throws {
        var argv = ["pod", "create", "--name", name]
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { argv += ["--label", "\(k)=\(v)"] }
        if let network { argv += ["--network", network] }
        for p in publish { argv += ["-p", p] }
        try check(argv)
    }

    /// Starts a container detached; returns its id.
    @discardableResult
    public func run(_ launch: ContainerLaunch) throws -> String {
        try check(launch.runArguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func startPod(_ name: String) throws { try check(["pod", "start", name]) }

    /// Stops a pod; `timeout` seconds before SIGKILL (0: at once).
    public func stopPod(_ name: String, timeout: Int = 0) throws {
        try check(["pod", "stop", "-t", String(timeout), name])
    }

    /// Removes a pod and its containers, running or not; a pod that is already gone is not an error.
    public func removePod(_ name: String) throws {
        try check(["pod", "rm", "-f", "-t", "0", "--ignore", name])
    }

    public func startContainer(_ name: String) throws { try check(["start", name]) }

    public func stopContainer(_ name: String, timeout: Int = 0) throws {
        try check(["stop", "-t", String(timeout), name])
    }

    /// Removes a container, running or not; one already gone is not an error.
    public func removeContainer(_ name: String) throws {
        try check(["rm", "-f", "-t", "0", "--ignore", name])
    }

    /// Runs the container's health check once: true when healthy.
    public func healthcheck(_ container: String) throws -> Bool {
        let result = try execute(["healthcheck", "run", container], timeout: 60)
        return result.exitCode == 0
    }

    /// Runs a command in a running container.
    public func exec(_ container: String, _ command: [String], stdin: [UInt8]? = nil,
                     environment: [String: String] = [:], timeout: Double? = nil) throws -> ProcessResult {
        var argv = ["exec"]
        if stdin != nil { argv.append("-i") }
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) { argv += ["--env", "\(k)=\(v)"] }
        return try execute(argv + [container] + command, stdin: stdin, timeout: timeout)
    }

    /// The container's output (stdout and stderr as podman stored them), the last `tail` lines when given.
    public func logs(_ container: String, tail: Int? = nil) throws -> ProcessResult {
        var argv = ["logs"]
        if let tail { argv += ["--tail", String(tail)] }
        return try execute(argv + [container])
    }

    /// CPU and memory of running containers (all of them when `names` is empty).
    public func stats(_ names: [String] = []) throws -> [PodmanStats] {
        try json(["stats", "--no-stream", "--format", "json"] + names, as: [PodmanStats].self)
    }

    // MARK: Images

    public func images() throws -> [PodmanImage] {
        try json(["images", "--format", "json"], as: [PodmanImage].self)
    }

    /// True when `reference` is in this node's storage.
    public func imageExists(_ reference: String) throws -> Bool {
        let result = try execute(["image", "exists", reference])
        if result.exitCode == 0 { return true }
        if result.exitCode == 1 { return false }
        throw failure(["image", "exists"], result)
    }

    /// Imports a root filesystem tarball as image `reference`; returns the image id.
    @discardableResult
    public func importImage(tarball: String, reference: String) throws -> String {
        lastLine(try check(["import", "--quiet", tarball, reference]))
    }

    /// Builds an image from a context folder (`file`: the Containerfile, else the context's own).
    @discardableResult
    public func build(context: String, file: String? = nil, tag: String) throws -> String {
        var argv = ["build", "--quiet", "-t", tag]
        if let file { argv += ["-f", file] }
        return lastLine(try check(argv + [context], timeout: 1800))
    }

    public func tag(_ source: String, as target: String) throws { try check(["tag", source, target]) }

    /// Pushes `reference` (to `destination` when given); `tlsVerify` false for a plain-HTTP registry.
    public func push(_ reference: String, destination: String? = nil, tlsVerify: Bool = true) throws {
        var argv = ["push", "--quiet", "--tls-verify=\(tlsVerify)", reference]
        if let destination { argv.append(destination) }
        try check(argv, timeout: 1800)
    }

    public func pull(_ reference: String, tlsVerify: Bool = true) throws {
        try check(["pull", "--quiet", "--tls-verify=\(tlsVerify)", reference], timeout: 1800)
    }

    /// Writes an image to a tar archive (`podman save`), to move it to another node.
    public func save(_ reference: String, to path: String) throws {
        try check(["save", "--quiet", "-o", path, reference], timeout: 1800)
    }

    /// Loads an image archive written by `save`.
    public func load(from path: String) throws {
        try check(["load", "--quiet", "-i", path], timeout: 1800)
    }

    public func removeImage(_ reference: String) throws { try check(["rmi", "-f", "--ignore", reference]) }

    private func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    }
}
