import Foundation
import PlatStore

/// The modules a program runs with, as a value: the CLI builds one (`ModuleSet([JobsModule(), CMDBModule()])`),
/// a test builds its own. Whoever opens a store, runs a plan or starts a scheduler hands the set over, so two
/// sets live side by side in one process (tests run in parallel) and nothing depends on a process-wide list.
public struct ModuleSet {
    public let modules: [PlatModule]
    /// The engine's effects and declarations and the modules', each name once (checked when the set is built).
    public let effects: EffectRegistry

    /// The engine alone: its tables and effects, no module.
    public init() {
        modules = []
        effects = .engine
    }

    /// The engine with `modules`, in this order. Throws `DuplicateEffectError` when two of them (or a module and
    /// the engine) define an effect of one name and the later one does not declare that it `overrides` it, or
    /// declare one declaration keyword.
    public init(_ modules: [PlatModule]) throws {
        var effects = EffectRegistry.engine
        for m in modules {
            for e in m.effects() { try effects.register(e, from: m.name) }
            for d in m.declarations { try effects.declare(d, from: m.name) }
        }
        self.modules = modules
        self.effects = effects
    }

    /// The engine's tables, then each module's: what `RunStore` migrates a database to.
    public var migrations: [Migration] { EngineSchema.migrations + modules.flatMap(\.migrations) }

    /// The source of `event` (`cmdb.host.changed`), if a module provides it.
    public func eventSource(_ event: String) -> EventSource? {
        modules.lazy.flatMap { $0.eventSources() }.first { $0.event == event }
    }

    /// Every event plans can subscribe to, in module order.
    public var eventNames: [String] { modules.flatMap { $0.eventSources() }.map(\.event) }

    /// Stops a run's work everywhere: its processes and whatever the modules run for it.
    public func stopWork(of runID: String) {
        ProcessRunner.kill(owner: runID, signal: SIGTERM)
        for m in modules { m.cancel(runID: runID) }
    }
}
