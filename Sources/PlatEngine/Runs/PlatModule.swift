import PlatLang
import PlatStore

/// A module of platflow (the job platform, the CMDB...): its tables and its effects. The engine never names a
/// module; the CLI installs the list once at start-up, and every store and registry opened after that
/// includes them.
public protocol PlatModule: AnyObject {
    var name: String { get }
    /// The module's tables, prefixed with its name (`jobs_...`, `cmdb_...`).
    var migrations: [Migration] { get }
    /// The module's effects (`cmdb.hosts`, `copy`...). An effect named `ns.fn` is called as `ns.fn(...)`.
    func effects() -> [DurableEffect]
}

public enum Modules {
    nonisolated(unsafe) public private(set) static var installed: [PlatModule] = []

    /// Called once, before any store is opened.
    public static func install(_ modules: [PlatModule]) {
        installed = modules
    }

    static var migrations: [Migration] { installed.flatMap(\.migrations) }
}
