import PlatEngine
import PlatStore

/// The container platform as a platflow module: its tables (`containers_*`) and effects (`containers.*`).
/// Migrations of module "containers" hold clusters, nodes, installs and revisions; those of module
/// "containers_images" hold the image catalogue and imported Kubernetes clusters.
public final class ContainersModule: PlatModule {
    public init() {}
    public var name: String { "containers" }
    public var migrations: [Migration] { ContainersSchema.migrations }
    public func effects() -> [DurableEffect] { ContainersEffects.all() }
    public func eventSources() -> [EventSource] { [AppChangedEvents()] }
}
