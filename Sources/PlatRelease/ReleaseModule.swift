import PlatEngine
import PlatLang
import PlatStore

/// Releases as a platflow module: the artifact store's and the deploy history's tables (`release_*`), the
/// effects `release.push`, `release.accept`, `release.promote`, `release.deploy` and `release.current`, the
/// `app` declaration and the `release.deployed` event. The CLI lists it in its `ModuleSet([... ReleaseModule()])`.
public final class ReleaseModule: PlatModule {
    public init() {}
    public var name: String { "release" }
    public var migrations: [Migration] { ReleaseSchema.migrations }
    public func effects() -> [DurableEffect] { ReleaseEffects.all() + DeployEffects.all() }
    public var declarations: [DeclarationSpec] { [AppDeclaration.spec] }
    public func eventSources() -> [EventSource] { [DeployedEvents()] }
    public func checkDeclarations(_ declarations: [Declaration], file: String) -> [Diagnostic] {
        AppDefinition.read(declarations, file: file).problems
    }
}
