import Foundation
import PlatEngine
import PlatLang

/// The container platform in .plat:
///
///     containers.install("shop", chart: "charts/web", namespace: "test", values: {replicas: 2})
///     containers.upgrade("shop", namespace: env, values: {image: "..."}, max_unavailable: 1)
///     containers.scale("shop", 5, namespace: "prod")
///     containers.status("shop", namespace: "prod")   // its pods, each with a `host` map for sh/copy
///
/// A chart is rendered by `ChartRenderer` (values as a map, written to a values file the renderer merges last);
/// `manifests:` installs already rendered manifests instead. install, upgrade and scale touch podman, so they
/// are external effects: at least once. That is safe: a resumed call plans from what runs (an install or
/// upgrade whose revision is pending with the same manifests is finished under its number, one already
/// deployed with them changes nothing). status is a read.
enum ContainersEffects {
    static func all() -> [DurableEffect] {
        [effect(EffectSpec(name: "containers.install", params: ["app", "chart", "namespace", "values", "manifests", "cluster", "project"], required: 1,
                           summary: "installs a chart (or manifests) as an app in a namespace on podman nodes; returns the install map"),
                kind: .external, body: { try deploy($0, mustExist: false) }),
         effect(EffectSpec(name: "containers.upgrade", params: ["app", "chart", "namespace", "values", "manifests", "image",
                                                              "max_surge", "max_unavailable", "cluster", "project"], required: 1,
                           summary: "a rolling upgrade of an installed app (a failed health check rolls back and fails the step); returns the install map"),
                kind: .external, body: { try deploy($0, mustExist: true) }),
         effect(EffectSpec(name: "containers.scale", params: ["app", "replicas", "namespace", "workload", "cluster"], required: 2,
                           summary: "sets an app's replica count and rolls to it; returns the install map"),
                kind: .external, body: scale),
         effect(EffectSpec(name: "containers.status", params: ["app", "namespace", "cluster"], required: 1,
                           summary: "an app's install and pods as the runtime shows them (each pod with a podman host map)"),
                kind: .read, body: status)]
    }

    static func apps(_ ctx: EffectContext) -> ContainerApps {
        let store = ContainersStore(db: ctx.store.db, actor: "run \(ctx.runID)" + (ctx.startedBy.isEmpty ? "" : " (\(ctx.startedBy))"))
        return ContainerApps(store: store) { line in ctx.event(line) }
    }

    static func place(_ ctx: EffectContext, _ apps: ContainerApps) throws -> (cluster: String, namespace: String, app: String) {
        (try apps.store.resolveCluster(try ctx.args.get("cluster", .string)), try ctx.args.get("namespace", .string) ?? "default",
         try ctx.args.require("app", .string))
    }

    static func deploy(_ ctx: EffectContext, mustExist: Bool) throws -> Value {
        let apps = apps(ctx)
        let (cluster, namespace, app) = try place(ctx, apps)
        let existing = try apps.store.install(cluster: cluster, namespace: namespace, app: app)
        var chart: String
        var manifests: [Value]
        let values: Value? = ctx.argument("values").flatMap { $0.isNil ? nil : $0 }
        if case .list(let given)? = ctx.argument("manifests") {
            chart = "manifests"
            manifests = given
        } else if let image = try ctx.args.get("image", .string), mustExist, try ctx.args.get("chart", .string) == nil, values == nil {
            let i = try apps.store.requireInstall(cluster: cluster, namespace: namespace, app: app)
            guard let r = try apps.store.revision(cluster: cluster, namespace: namespace, app: app, number: i.revision) else {
                throw ContainersError.failed("revision \(i.revision) is missing")
            }
            chart = i.chart
            manifests = try ImageEdit.apply(image: image, container: nil, to: try r.manifests())
        } else {
            guard let c = try ctx.args.get("chart", .string) ?? existing?.chart else {
                throw RuntimeError("\(ctx.call.name)(): chart: is required (a chart folder) unless manifests: is given")
            }
            chart = c
            var files: [String] = []
            var temporary: String? = nil
            if let values {
                let path = NSTemporaryDirectory() + "platflow-values-\(UUID().uuidString).yaml"
                try JSON.encode(values).write(toFile: path, atomically: true, encoding: .utf8)
                files.append(path)
                temporary = path
            }
            defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
            manifests = try ChartRenderer.render(chart: chart, valueFiles: files, sets: [], release: app, namespace: namespace).manifests
            if let image = try ctx.args.get("image", .string) { manifests = try ImageEdit.apply(image: image, container: nil, to: manifests) }
        }
        manifests = try StrategyEdit.apply(maxSurge: ctx.argument("max_surge"), maxUnavailable: ctx.argument("max_unavailable"), to: manifests)
        // A resumed call whose revision already deployed these manifests changes nothing.
        if ctx.inFlight != nil, let e = try apps.store.install(cluster: cluster, namespace: namespace, app: app),
           let r = try apps.store.revision(cluster: cluster, namespace: namespace, app: app, number: e.revision),
           r.status == "deployed", r.manifestsJSON == (try JSON.encode(.list(manifests))) {
            return try installValue(apps, cluster: cluster, namespace: namespace, app: app)
        }
        let valuesText = values.map { (try? JSON.encode($0)) ?? "{}" } ?? "{}"
        let outcome = try apps.deploy(cluster: cluster, namespace: namespace, app: app, chart: chart, manifests: manifests,
                                      valuesJSON: valuesText, description: mustExist ? "upgrade (run \(ctx.runID))" : "install (run \(ctx.runID))",
                                      mustExist: ctx.inFlight != nil ? nil : mustExist, project: try ctx.args.get("project", .string))
        ctx.event("\(app) \(mustExist ? "upgraded" : "installed") in \(namespace): revision \(outcome.revision)")
        return try installValue(apps, cluster: cluster, namespace: namespace, app: app)
    }

    static func scale(_ ctx: EffectContext) throws -> Value {
        let apps = apps(ctx)
        let (cluster, namespace, app) = try place(ctx, apps)
        let replicas = try ctx.args.require("replicas", .int)
        let summary = try apps.scale(cluster: cluster, namespace: namespace, app: app, workload: try ctx.args.get("workload", .string), replicas: replicas)
        ctx.event("\(app) in \(namespace) scaled to \(replicas): \(summary)")
        return try installValue(apps, cluster: cluster, namespace: namespace, app: app)
    }

    static func status(_ ctx: EffectContext) throws -> Value {
        let apps = apps(ctx)
        let (cluster, namespace, app) = try place(ctx, apps)
        return try installValue(apps, cluster: cluster, namespace: namespace, app: app)
    }

    /// {app, namespace, cluster, chart, revision, status, stopped, pods: [{name, node, workload, replica, revision,
    /// status, host}]}; `host` is a podman host map of the pod's first container.
    static func installValue(_ apps: ContainerApps, cluster: String, namespace: String, app: String) throws -> Value {
        let i = try apps.store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        let r = try apps.store.revision(cluster: cluster, namespace: namespace, app: app, number: i.revision)
        let nodes = Dictionary(uniqueKeysWithValues: try apps.store.nodes(cluster: cluster).map { ($0.name, $0) })
        let pods = try apps.runtime(cluster).observe(labels: [PodLabels.app: app, PodLabels.namespace: namespace]).pods
        let target = try apps.currentTarget(i)
        let podValues: [Value] = pods.map { p in
            let first = target.workloads.first { $0.name == p.workload }?.containers.first?.name ?? "main"
            var host: [(String, Value)] = [("name", .string("\(p.workload)-\(p.replica)")), ("transport", .string("podman")),
                                           ("address", .string(p.name + "-" + first))]
            if let n = nodes[p.node] { host.append((n.kind == "ssh" ? "ssh" : "storage", .string(n.address))) }
            return .makeMap([("name", .string(p.name)), ("node", .string(p.node)), ("workload", .string(p.workload)),
                             ("replica", .int(p.replica)), ("revision", .int(p.revision)), ("status", .string(p.status)),
                             ("host", .makeMap(host))])
        }
        return .makeMap([("app", .string(app)), ("namespace", .string(namespace)), ("cluster", .string(cluster)),
                         ("chart", .string(i.chart)), ("revision", .int(i.revision)), ("status", .string(r?.status ?? "unknown")),
                         ("stopped", .bool(i.stopped)), ("running", .int(pods.filter(\.isRunning).count)), ("pods", .list(podValues))])
    }
}

/// How a containers effect is made: container errors become the plan's runtime errors.
extension ContainersEffects {
    static func effect(_ spec: EffectSpec, kind: EffectKind, body: @escaping (EffectContext) throws -> Value) -> ClosureEffect {
        ClosureEffect(spec, kind: kind, failure: failure, explain: { explain(spec.name, $0) }, body: body)
    }

    static func failure(_ error: Error) -> ClosureEffect.Failure? {
        switch error {
        case let e as ContainersError: return (e.message, e.hint)
        case let e as PodmanError: return (e.message, e.hint)
        case let e as ContainerInputError: return (e.rendered ?? e.message, e.rendered == nil ? e.hint : nil)
        default: return nil
        }
    }

    /// `--explain`: the change that would be made, and a stand-in install map so the plan goes on.
    static func explain(_ name: String, _ call: EffectCall) -> ClosureEffect.Explanation {
        let arg = call.shownString
        let ns = call.args.named.contains { $0.name == "namespace" } ? arg("namespace") : "default"
        let verb = name.replacingOccurrences(of: "containers.", with: "")
        let stand = Value.makeMap([("app", .string(arg("app"))), ("namespace", .string(ns)), ("revision", .int(0)),
                                   ("status", .string("explained")), ("pods", .list([]))])
        return (verb == "status" ? [] : ["would \(verb) \(arg("app")) in namespace \(ns) on podman"], stand)
    }
}
