import PlatEngine
import PlatStore

/// Releases as a platflow module: the artifact store's tables (`release_*`) and the effects `release.push`,
/// `release.accept` and `release.promote`. The CLI lists it in its `ModuleSet([... ReleaseModule()])`.
public final class ReleaseModule: PlatModule {
    public init() {}
    public var name: String { "release" }
    public var migrations: [Migration] { ReleaseSchema.migrations }
    public func effects() -> [DurableEffect] { ReleaseEffects.all() }
}
