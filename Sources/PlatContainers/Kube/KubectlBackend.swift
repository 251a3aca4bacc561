import Foundation
import PlatLang

/// One kubectl invocation, exactly as it will run: the arguments after the executable and what goes to its
/// standard input. Tests compare these; `commandLine` shows them to a person.
public struct KubectlCommand: Equatable, CustomStringConvertible {
    public var executable: String
    public var arguments: [String]
    public var input: String?

    /// The command as a shell line (arguments quoted where needed), with `< manifests.yaml` when it reads input.
    public var description: String {
        ([executable] + arguments).map(Self.shellQuoted).joined(separator: " ") + (input == nil ? "" : " < manifests.yaml")
    }

    static func shellQuoted(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+")
        if !s.isEmpty && s.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// What a kubectl command printed and how it ended.
public struct KubectlResult: Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Drives a Kubernetes cluster with kubectl: the same rendered manifests `chart render` prints are applied
/// with `kubectl apply -f -`, rollouts are awaited with `rollout status` and undone with `rollout undo`, and
/// status comes from `kubectl get -o json`. Every command names the kubeconfig and context explicitly, so
/// the user's current context never decides where a change goes.
public struct KubectlBackend: Equatable {
    public static let defaultKubectl = "kubectl"
    /// The kinds whose rollout kubectl can wait for and undo.
    public static let rolloutKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet"]

    public var kubeconfig: String
    public var context: String
    public var kubectl: String

    public init(kubeconfig: String, context: String, kubectl: String = KubectlBackend.defaultKubectl) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.kubectl = kubectl
    }

    private func command(_ words: [String], input: String? = nil) -> KubectlCommand {
        KubectlCommand(executable: kubectl, arguments: ["--kubeconfig", kubeconfig, "--context", context] + words, input: input)
    }

    /// `kubectl apply -f -` of the manifests (YAML documents), each of which names its namespace.
    public func apply(yaml: String, dryRun: DryRun? = nil) -> KubectlCommand {
        command(["apply", "-f", "-"] + (dryRun.map { ["--dry-run=\($0.rawValue)"] } ?? []), input: yaml)
    }

    public enum DryRun: String { case client, server }

    /// `kubectl delete -f -` of the manifests, not failing on those already gone.
    public func delete(yaml: String) -> KubectlCommand {
        command(["delete", "--ignore-not-found", "-f", "-"], input: yaml)
    }

    /// `kubectl get KIND NAME -n NS -o json` (kinds lower-cased, as kubectl's resource names are).
    public func get(kind: String, name: String, namespace: String) -> KubectlCommand {
        command(["get", kind.lowercased(), name, "--namespace", namespace, "-o", "json"])
    }

    /// Every object of a kind in a namespace with a label selector (`app.kubernetes.io/instance=web`).
    public func list(kind: String, namespace: String, selector: String? = nil) -> KubectlCommand {
        command(["get", kind.lowercased(), "--namespace", namespace] + (selector.map { ["--selector", $0] } ?? []) + ["-o", "json"])
    }

    /// Waits for a workload's rollout to finish (or fail, or time out).
    public func rolloutStatus(kind: String, name: String, namespace: String, timeoutSeconds: Int) -> KubectlCommand {
        command(["rollout", "status", "\(kind.lowercased())/\(name)", "--namespace", namespace, "--timeout", "\(timeoutSeconds)s"])
    }

    /// Goes back to the previous revision of a workload (or to `revision`).
    public func rolloutUndo(kind: String, name: String, namespace: String, toRevision revision: Int? = nil) -> KubectlCommand {
        command(["rollout", "undo", "\(kind.lowercased())/\(name)", "--namespace", namespace] + (revision.map { ["--to-revision=\($0)"] } ?? []))
    }

    /// The workloads among manifests whose rollouts can be awaited: (kind, name, namespace).
    public static func workloads(in manifests: [Value], defaultNamespace: String = "default") -> [(kind: String, name: String, namespace: String)] {
        manifests.compactMap { m in
            guard let kind = m.member("kind")?.stringValue, rolloutKinds.contains(kind),
                  let name = m.member("metadata")?.member("name")?.stringValue else { return nil }
            return (kind, name, m.member("metadata")?.member("namespace")?.stringValue ?? defaultNamespace)
        }
    }

    /// The commands a deploy of rendered manifests runs, in order: apply them all, then wait for each
    /// workload's rollout, then read each workload's status.
    public func deployCommands(_ rendered: RenderedChart, timeoutSeconds: Int = 300) -> [KubectlCommand] {
        let workloads = Self.workloads(in: rendered.manifests)
        return [apply(yaml: rendered.yaml)]
            + workloads.map { rolloutStatus(kind: $0.kind, name: $0.name, namespace: $0.namespace, timeoutSeconds: timeoutSeconds) }
            + workloads.map { get(kind: $0.kind, name: $0.name, namespace: $0.namespace) }
    }

    /// Runs one command and waits for it. Throws only when kubectl cannot be started.
    public func run(_ c: KubectlCommand) throws -> KubectlResult {
        let p = Process()
        if c.executable.contains("/") {
            p.executableURL = URL(fileURLWithPath: c.executable)
            p.arguments = c.arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [c.executable] + c.arguments
        }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = c.input == nil ? FileHandle.nullDevice : inPipe
        do { try p.run() } catch {
            throw ContainerInputError("cannot run \(c.executable): \(error.localizedDescription)",
                                      hint: "kubectl is not packaged by Debian bookworm: install it from the Kubernetes project, or name it with --kubectl")
        }
        if let input = c.input {
            // Writing on another thread lets a large input and a large output not block each other.
            let writer = Thread {
                inPipe.fileHandleForWriting.write(Data(input.utf8))
                try? inPipe.fileHandleForWriting.close()
            }
            writer.start()
        }
        // stderr is read on its own thread so neither pipe can fill up while the other is drained.
        let errBox = DataBox()
        let done = DispatchSemaphore(value: 0)
        Thread {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return KubectlResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Applies rendered manifests, waits for their workloads' rollouts, and returns the workloads' status.
    /// A failed apply or rollout throws with kubectl's own words; a rollout that fails is undone first when
    /// `undoOnFailure`, so the cluster goes back to the revision that ran before.
    public func deploy(_ rendered: RenderedChart, timeoutSeconds: Int = 300, undoOnFailure: Bool = true) throws -> [WorkloadStatus] {
        let applied = try run(apply(yaml: rendered.yaml))
        guard applied.status == 0 else { throw KubectlFailure(command: apply(yaml: rendered.yaml), result: applied) }
        let workloads = Self.workloads(in: rendered.manifests)
        for w in workloads {
            let wait = rolloutStatus(kind: w.kind, name: w.name, namespace: w.namespace, timeoutSeconds: timeoutSeconds)
            let r = try run(wait)
            if r.status != 0 {
                if undoOnFailure { _ = try? run(rolloutUndo(kind: w.kind, name: w.name, namespace: w.namespace)) }
                throw KubectlFailure(command: wait, result: r)
            }
        }
        return try workloads.map { w in
            let c = get(kind: w.kind, name: w.name, namespace: w.namespace)
            let r = try run(c)
            guard r.status == 0 else { throw KubectlFailure(command: c, result: r) }
            guard let s = try WorkloadStatus.parse(json: r.stdout).first else { throw KubectlFailure(command: c, result: r) }
            return s
        }
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A kubectl command that exited with an error: the command and what kubectl said.
public struct KubectlFailure: Error, CustomStringConvertible {
    public var command: KubectlCommand
    public var result: KubectlResult
    public var description: String {
        let said = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return "\(command) exited with \(result.status)" + (said.isEmpty ? "" : ": \(said)")
    }
}
