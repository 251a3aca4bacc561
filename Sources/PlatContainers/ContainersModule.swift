import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// The container platform as a platflow module: its tables (`containers_*`) and effects (`containers.*`).
/// Migrations of module "containers" hold clusters, nodes, installs and revisions; those of module
/// "containers_images" hold the image catalogue and imported Kubernetes clusters.
public final class ContainersModule: PlatModule {
    public init() {}
    public var name: String { "containers" }
    public var migrations: [Migration] { ContainersSchema.migrations + ImageSchema.migrations }
    /// `chart "NAME" { ... }` in chart.plat, so `platflow check` reads chart files too.
    public var declarations: [DeclarationSpec] { [ChartDeclaration.spec] }
    public func effects() -> [DurableEffect] { ContainersEffects.all() }
    public func eventSources() -> [EventSource] { [AppChangedEvents()] }

    /// Autoscaling: `platflow scheduler` evaluates every rule this often (PLATFLOW_AUTOSCALE_INTERVAL seconds,
    /// default 15).
    public var periodicInterval: Double? {
        Double(ProcessInfo.processInfo.environment["PLATFLOW_AUTOSCALE_INTERVAL"] ?? "") ?? 15
    }

    public func periodicWork(databasePath: String, log: @escaping (String) -> Void) {
        do {
            let store = try RunStore.open(path: databasePath, modules: ModuleSet([self]), durability: .full)
            let apps = ContainerApps(store: ContainersStore(db: store.db, actor: "autoscaler")) { log($0) }
            if try apps.store.autoscaleRules().isEmpty { return }
            try apps.autoscale()
        } catch {
            log("autoscale: \(error)")
        }
    }
}
