import Foundation
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
    /// A run is being cancelled (or lost its lease): stop whatever the module still runs for it.
    func cancel(runID: String)
}

extension PlatModule {
    public func cancel(runID: String) {}
}

public enum Modules {
    nonisolated(unsafe) public private(set) static var installed: [PlatModule] = []

    /// Called once, before any store is opened.
    public static func install(_ modules: [PlatModule]) {
        installed = modules
    }

    static var migrations: [Migration] { installed.flatMap(\.migrations) }

    /// Stops a run's work everywhere: its processes and whatever the modules run for it.
    public static func stopWork(of runID: String) {
        ProcessRunner.kill(owner: runID, signal: SIGTERM)
        for m in installed { m.cancel(runID: runID) }
    }
}
