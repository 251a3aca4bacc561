import PlatEngine
import PlatLang
import PlatStore

/// The job platform as a platflow module: `sh` on hosts in rolling batches (it extends the engine's `sh`),
/// `copy`, the script library (`script("name")`) and schemes (`scheme "prod" for main { ... }`).
public final class JobsModule: PlatModule {
    public let name = "jobs"
    public init() {}
    public var migrations: [Migration] { ScriptLibrary.migrations }
    public var declarations: [DeclarationSpec] { [SchemeDeclaration.spec] }
    public func cancel(runID: String) {
        FileDistributor.cancel(owner: runID)
    }

    public func effects() -> [DurableEffect] {
        [FleetShellEffect(), ScriptEffect(), CopyEffect()]
    }
}
