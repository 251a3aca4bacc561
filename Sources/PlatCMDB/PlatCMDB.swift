import PlatEngine
import PlatStore

/// The CMDB as a platflow module: its tables and its effects (`cmdb.hosts`, `cmdb.group`, `cmdb.update`,
/// `cmdb.transfer`) and its change events. The CLI lists it in its `ModuleSet([... CMDBModule()])`.
public final class CMDBModule: PlatModule {
    public init() {}
    public var name: String { "cmdb" }
    public var migrations: [Migration] { CMDBSchema.migrations }
    public func effects() -> [DurableEffect] { CMDBEffects.all() }
    public func eventSources() -> [EventSource] { [HostChangedEvents()] }
}
