import PlatEngine
import PlatStore

/// The job platform as a platflow module: `sh` on hosts in rolling batches (it extends the engine's `sh`),
/// `copy`, and the script library (`script("name")`).
public final class JobsModule: PlatModule {
    public let name = "jobs"
    public init() {}
    public var migrations: [Migration] { ScriptLibrary.migrations }
    public func cancel(runID: String) {
        FileDistributor.cancel(owner: runID)
    }

    public func effects() -> [DurableEffect] {
        [FleetShellEffect(), ScriptEffect(), CopyEffect()]
    }
}
