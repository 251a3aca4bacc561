import PlatEngine
import PlatStore

/// The API gateway as a platflow module: its tables (`gateway_*`). The CLI installs it with the `gateway`
/// command family, and its effect `gateway.publish`. The declaration (`gateway "shop" {...}`) is not part of it yet
/// (docs/gateway.md lists what is left).
public final class GatewayModule: PlatModule {
    public init() {}
    public var name: String { "gateway" }
    public var migrations: [Migration] { GatewaySchema.migrations }
    public func effects() -> [DurableEffect] { GatewayEffects.all() }
}
