import Foundation

/// Asks a running program to stop soon: raised from another thread (a signal handler, a cancel watcher) and
/// polled by the interpreter at every loop iteration and call, and by long builtins (regular expressions).
/// A program busy in `while true {}` never reaches an effect, so the effect boundary alone cannot stop it.
public final class StopRequest: @unchecked Sendable {
    // A plain flag: one writer sets it once, readers poll it. A reader that sees it a moment late only stops
    // one iteration later; a lock here would cost every loop iteration of every program.
    private var flag = false
    public init() {}
    public func raise() { flag = true }
    public var isRaised: Bool { flag }
}

/// Thrown through the program when its `StopRequest` is raised. Not a runtime error: `try`/`catch` in a plan
/// does not catch it, and the host decides what a stop means (the engine leaves the run resumable).
public struct ProgramStopped: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the program was stopped" }
}

extension VM {
    /// Throws `ProgramStopped` when the host asked the program to stop.
    @inline(__always)
    func pollStop() throws {
        if let s = stop, s.isRaised { throw ProgramStopped() }
    }
}
