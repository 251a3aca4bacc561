import Foundation

/// How tests reach podman. It runs directly when it can. On a machine where it cannot (a chroot whose `/` is
/// not a mount point and whose /sys/fs/cgroup is empty), tests route it through
/// PlatContainersTests/Fixtures/podman-in-namespace.sh (via PLATFLOW_PODMAN), a test-only wrapper that gives
/// podman a private mount namespace with `/` bind-mounted and cgroup hierarchies mounted; when even that
/// fails, the test fails with both reasons. The container tests and the image CLI tests both decide this way.
public enum PodmanProbe {
    /// The variable that replaces the `podman` program (as the product reads it).
    public static let programVariable = "PLATFLOW_PODMAN"

    /// The namespace wrapper script.
    public static let namespaceWrapper = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PlatContainersTests/Fixtures/podman-in-namespace.sh").path

    /// The environment podman works with here: the process's own without PLATFLOW_PODMAN when `attempt` succeeds
    /// with it, else with PLATFLOW_PODMAN naming the wrapper, which is then also set process-wide (so what reads
    /// the environment itself, effects in a run and child platflow processes, goes through the wrapper too).
    /// `attempt` returns nil when podman did what the tests need with the environment it is given, else why not.
    public static func environment(attempt: ([String: String]) throws -> String?) throws -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: programVariable)
        guard let direct = try attempt(env) else { return env }
        var wrapped = env
        wrapped[programVariable] = namespaceWrapper
        if let viaWrapper = try attempt(wrapped) {
            throw PodmanUnavailable(message: "podman cannot do what the tests need on this machine: \(direct); "
                                             + "through \(namespaceWrapper) either: \(viaWrapper)")
        }
        setenv(programVariable, namespaceWrapper, 1)
        return wrapped
    }

    /// The podman command's leading words for `environment`: `podman`, or the program PLATFLOW_PODMAN names.
    public static func program(_ environment: [String: String]) -> [String] {
        let configured = environment[programVariable]?.split(separator: " ").map(String.init) ?? []
        return configured.isEmpty ? ["podman"] : configured
    }
}

/// Podman does not work here, directly or through the wrapper: both reasons.
public struct PodmanUnavailable: Error, CustomStringConvertible {
    public let message: String
    public var description: String {
        message + "\nhint: install podman, runc, catatonit and busybox-static (scripts/setup.sh)"
    }
}
