import PlatEngine
import PlatLang
import PlatStore

/// The API gateway as a platflow module: its tables (`gateway_*`), its effects (`gateway.apply`, `gateway.publish`,
/// `gateway.rollback`, `gateway.offline`, `gateway.online`), the `gateway "NAME" { ... }` declaration and the
/// `gateway.published` event. The CLI installs it with the `gateway` command family.
public final class GatewayModule: PlatModule {
    public init() {}
    public var name: String { "gateway" }
    public var migrations: [Migration] { GatewaySchema.migrations }
    public func effects() -> [DurableEffect] { GatewayEffects.all() }
    public var declarations: [DeclarationSpec] { [GatewayDeclaration.spec] }
    public func eventSources() -> [EventSource] { [PublishedEvents()] }
    public func checkDeclarations(_ declarations: [Declaration], file: String) -> [Diagnostic] {
        GatewayDeclaration.read(declarations, file: file).problems
    }
}
