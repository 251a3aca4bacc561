/// A deploy that cannot start now because another deploy of the app to the environment is running.
public struct DeployBusyError: Error, CustomStringConvertible, Sendable {
    public let running: DeployRevision

    public var message: String {
        "\(running.app) is being deployed to \(running.environment.name) already: revision \(running.revision), \(running.version), run \(running.runID), started by \(running.deployedBy)"
    }
    public var hint: String? {
        "wait for it with --wait, or stop it: platflow cancel \(running.runID)"
    }
    public var description: String { message }
    public var exitCode: Int32 { ReleaseExitCode.deployBusy }
}

extension ReleaseExitCode {
    /// Another deploy of the app to that environment is running (and `--wait` was not given).
    public static let deployBusy: Int32 = 7
}
