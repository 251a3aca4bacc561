import PlatEngine
import PlatStore

/// The CMDB as a platflow module: its tables and its effects (`cmdb.hosts`, `cmdb.group`, `cmdb.update`,
/// `cmdb.transfer`). The CLI installs it once with `Modules.install([... CMDBModule()])`.
public final class CMDBModule: PlatModule {
    public init() {}
    public var name: String { "cmdb" }
    public var migrations: [Migration] { CMDBSchema.migrations }
    public func effects() -> [DurableEffect] { CMDBEffects.all() }
    public func eventSources() -> [EventSource] { [HostChangedEvents()] }
}
