import PlatEngine
import PlatLang
import PlatStore

/// The job platform as a platflow module: `sh` on hosts in rolling batches (it extends the engine's `sh`),
/// `copy`, the script library (`script("name")`) and schemes (`scheme "prod" for main { ... }`).
public final class JobsModule: PlatModule {
    public let name = "jobs"
    /// How hosts are reached, by their `transport:` kind: what `sh` on hosts and `copy` use. Another module's
    /// kinds are registered on a registry handed in here (see `TransportRegistry`).
    public let transports: TransportRegistry

    public init(transports: TransportRegistry = .standard) {
        self.transports = transports
    }
    public var migrations: [Migration] { ScriptLibrary.migrations }
    public var declarations: [DeclarationSpec] { [SchemeDeclaration.spec] }
    public func cancel(runID: String) {
        FileDistributor.cancel(owner: runID)
    }

    public func effects() -> [DurableEffect] {
        [FleetShellEffect(transports: transports), ScriptEffect(), CopyEffect(transports: transports)]
    }
}
