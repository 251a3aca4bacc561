import Foundation
import PlatLang
import PlatStore

/// A module of platflow (the job platform, the CMDB...): its tables and its effects. The engine never names a
/// module: a program lists the modules it is built with in a `ModuleSet` and hands that set to the stores,
/// registries and schedulers it opens. Requirements a module may not care about have defaults in the extension
/// below, so that a new one (declarations, commands...) does not break existing modules.
public protocol PlatModule: AnyObject {
    var name: String { get }
    /// The module's tables, prefixed with its name (`jobs_...`, `cmdb_...`).
    var migrations: [Migration] { get }
    /// The module's effects (`cmdb.hosts`, `copy`...). An effect named `ns.fn` is called as `ns.fn(...)`.
    func effects() -> [DurableEffect]
    /// A run is being cancelled (or lost its lease): stop whatever the module still runs for it.
    func cancel(runID: String)
    /// Events plans can subscribe to (`on cmdb.host.changed where '...' run plan(args)`).
    func eventSources() -> [EventSource]
    /// Declaration forms the module adds to .plat files (`scheme "prod" for main { ... }`); the module reads
    /// them from `CompiledModule.declarations`.
    var declarations: [DeclarationSpec] { get }
    /// What only the module knows about its declarations in `file` (an environment class, a version range),
    /// as diagnostics with places, for `platflow check`.
    func checkDeclarations(_ declarations: [Declaration], file: String) -> [Diagnostic]
    /// Seconds between two calls of `periodicWork` by `platflow scheduler`; nil for none.
    var periodicInterval: Double? { get }
    /// Work the scheduler does for the module every `periodicInterval` seconds (the container platform's
    /// autoscaling), on a thread of its own and never twice at once; what it says goes to the scheduler's log.
    func periodicWork(databasePath: String, log: @escaping (String) -> Void)
}

extension PlatModule {
    public var migrations: [Migration] { [] }
    public func effects() -> [DurableEffect] { [] }
    public func cancel(runID: String) {}
    public func eventSources() -> [EventSource] { [] }
    public var declarations: [DeclarationSpec] { [] }
    public func checkDeclarations(_ declarations: [Declaration], file: String) -> [Diagnostic] { [] }
    public var periodicInterval: Double? { nil }
    public func periodicWork(databasePath: String, log: @escaping (String) -> Void) {}
}

/// A stream of events with growing cursors, for subscriptions.
public protocol EventSource {
    /// `cmdb.host.changed`
    var event: String { get }
    /// The newest cursor now (a new subscription starts after it).
    func latestCursor(db: Database) throws -> Int64
    /// Events after `cursor`, oldest first: (cursor, the event as a .plat value).
    func events(db: Database, after cursor: Int64, limit: Int) throws -> [(cursor: Int64, value: Value)]
    /// Which of `events` match the subscription's filter (nil: all).
    func matching(db: Database, filter: String?, events: [(cursor: Int64, value: Value)]) throws -> Set<Int64>
    /// Checks a filter when the subscription is applied; throws a message when it is invalid.
    func validate(filter: String, db: Database) throws
}
