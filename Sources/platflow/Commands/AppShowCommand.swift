import Foundation
import PlatContainers
import PlatEngine
import PlatRelease

/// `platflow app show APP`: one app as both modules know it. Release's side: its declaration, the version (and
/// so the stage) running in each environment, its newest artifacts. The container side: every install of the app
/// (cluster and namespace), its revision and how it ended, replicas ready out of wanted, pods per node, and each
/// pod's node, state and health, read from the runtime. An app only one side knows shows that side.
enum AppShowCommand {
    static let spec = AppCommand.leaf(
        "show", "One app: its declaration, the version in each environment, its newest artifacts, and its pods where it runs in containers.",
        usage: ["platflow app show APP [--json]"], flags: [AppCommand.jsonFlag], examples: ["platflow app show shop-web"],
        details: """
            The release side comes from deploys and `platflow app apply`; the container side from `platflow app install`
            (revisions, pods per node, health: the last health check podman recorded, or `running` for a container
            without one). An install made by hand, without Release, shows only its container side.
            """,
        arguments: 1...1) { args, releases, engine, terminal in
        let app = args.positional[0]
        let known = try releases.apps().contains(app)
        let installs = try ContainerApps(store: ContainersStore(db: engine.db)).overview(app: app)
        // Neither side knows it: Release's error, with its near names.
        if !known && installs.isEmpty { try releases.requireKnownApp(app) }
        for view in installs {
            for (node, why) in view.unreachable.sorted(by: { $0.key < $1.key }) {
                terminal.err("node \(node) of cluster \(view.cluster) is down: \(why)\n")
            }
        }
        if args.has("json") {
            var o = try known ? releaseJSON(app, releases) : ["app": app, "envs": [Any](), "artifacts": [Any]()]
            o["containers"] = installs.map(json)
            terminal.out(jsonText(o))
            return ExitCode.ok
        }
        var out = known ? try releaseText(app, releases)
            : "app \(app)\n  not recorded by Release: no version deployed yet (a deploy or `platflow app apply FILE` records it)\n"
        out += "\n" + containersText(app, installs, releaseKnown: known)
        terminal.out(out)
        return ExitCode.ok
    }

    static func releaseJSON(_ app: String, _ releases: ReleaseStore) throws -> [String: Any] {
        var o: [String: Any] = ["app": app, "artifacts": try releases.artifacts(app: app).prefix(5).map(ArtifactCommand.json)]
        if let r = try releases.recordedApp(app) {
            o["file"] = r.file
            o["deploy"] = r.deployPlan
            o["owners"] = r.owners
            o["requires"] = r.requires
        }
        o["envs"] = try releases.environments(app: app).map { e in
            ["env": e.name, "class": e.environmentClass.name,
             "current": try releases.currentDeploy(app: app, environment: e.name).map(AppCommand.json) ?? NSNull()] as [String: Any]
        }
        return o
    }

    static func releaseText(_ app: String, _ releases: ReleaseStore) throws -> String {
        var out = "app \(app)\n"
        if let r = try releases.recordedApp(app) {
            out += "  declared in \(r.file), deploy plan \(r.deployPlan)\n"
            if !r.owners.isEmpty { out += "  owners: \(r.owners.joined(separator: ", "))\n" }
            if !r.requires.isEmpty { out += "  requires: \(r.requires.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))\n" }
        }
        var t = Table(header: ["ENV", "CLASS", "VERSION", "STAGE", "DIGEST", "REV", "DEPLOYED", "BY", "RUN"])
        for e in try releases.environments(app: app) {
            let c = try releases.currentDeploy(app: app, environment: e.name)
            t.rows.append([e.name, e.environmentClass.name, c?.version ?? "-", c?.stage.name ?? "-", c.map { ArtifactDigest.short($0.digest) } ?? "-",
                           c.map { String($0.revision) } ?? "-", localTime(c?.startedAt), c?.deployedBy ?? "-", c?.runID ?? "-"])
        }
        out += "\n" + t.render()
        let artifacts = try releases.artifacts(app: app).prefix(5)
        if !artifacts.isEmpty {
            out += "\nnewest artifacts: " + artifacts.map { "\($0.version) (\($0.stage))" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    static func containersText(_ app: String, _ installs: [AppInstallView], releaseKnown: Bool) -> String {
        if installs.isEmpty {
            return "containers: none (`platflow app install \(app) CHART --namespace NS` runs it on podman)\n"
        }
        var t = Table(header: ["CLUSTER", "NAMESPACE", "REVISION", "CHART", "READY", "PODS PER NODE"])
        for v in installs {
            let perNode = v.podsPerNode.map { "\($0.node): \($0.pods)" }.joined(separator: ", ")
            t.rows.append([v.cluster, v.namespace, "\(v.revision) (\(v.revisionStatus)\(v.stopped ? ", stopped" : ""))", v.chart,
                           "\(v.ready)/\(v.desired)", perNode.isEmpty ? "-" : perNode])
        }
        var pods = Table(header: ["CLUSTER", "NAMESPACE", "POD", "NODE", "STATUS", "HEALTH", "REVISION"])
        for v in installs {
            for p in v.pods {
                pods.rows.append([v.cluster, v.namespace, "\(p.workload)-\(p.replica)", p.node, p.status, p.health, String(p.revision)])
            }
        }
        return "containers:\n" + t.render() + (pods.rows.isEmpty ? "no pods\n" : "\n" + pods.render())
    }

    static func json(_ v: AppInstallView) -> [String: Any] {
        ["cluster": v.cluster, "namespace": v.namespace, "chart": v.chart, "revision": v.revision, "revision_status": v.revisionStatus,
         "revisions": v.revisionCount, "stopped": v.stopped, "desired": v.desired, "running": v.running, "ready": v.ready,
         "pods_per_node": Dictionary(uniqueKeysWithValues: v.podsPerNode.map { ($0.node, $0.pods) }),
         "unreachable_nodes": v.unreachable,
         "pods": v.pods.map { p in
             ["name": p.name, "node": p.node, "workload": p.workload, "replica": p.replica, "revision": p.revision,
              "status": p.status, "health": p.health] as [String: Any]
         }]
    }
}
