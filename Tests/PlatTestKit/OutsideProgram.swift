import Foundation
import PlatEngine

/// Runs an outside program (podman, tar) to its end for a test, waiting on the child itself.
///
/// Foundation's `Process` learns that a child exited when a socket the child inherits is closed, so when the
/// program leaves a process behind that still holds it (podman keeps a pause process and conmon), the socket
/// stays open and `waitUntilExit` waits forever, with the program itself long a zombie. This goes through the
/// product's own spawner instead: the child gets no descriptors but its three streams, and its exit is seen
/// by `waitpid`, whatever it leaves running.
public enum OutsideProgram {
    /// The exit code (128 + the signal for a signalled child; -1 when it could not be started) and the output.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                           workingDirectory: String? = nil, timeout: Double = 600) -> ProcessResult {
        let spec = ProcessSpec(arguments: arguments, environment: environment, workingDirectory: workingDirectory,
                               timeout: timeout)
        do {
            return try ProcessRunner.run(spec)
        } catch {
            return ProcessResult(exitCode: -1, signal: nil, stdout: [], stderr: Array("\(error)".utf8), stdoutDropped: 0,
                                 stderrDropped: 0, timedOut: false, duration: 0)
        }
    }
}
