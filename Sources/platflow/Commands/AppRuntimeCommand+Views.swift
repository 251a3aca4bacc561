import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// The views of apps in containers: pods (`-o json|wide`), logs, exec, top.
extension AppRuntimeCommand {
    static let outputFlag = FlagSpec(name: "output", short: "o", value: "json|wide", help: "JSON, or a wide table (node, template, revision)")

    static let pods = leaf(
        "pods", "The pods of an app (or of every install), read from the runtime: node, state, revision.",
        usage: ["platflow app pods [APP] [--namespace NS] [--all-namespaces] [-o json|wide] [--cluster C]"],
        flags: [namespaceFlag, outputFlag, FlagSpec(name: "all-namespaces", short: "A", help: "every namespace")],
        examples: ["platflow app pods shop --namespace prod -o wide", "platflow app pods -A -o json"],
        arguments: 0...1) { args, apps, terminal in
        let cluster = try apps.store.resolveCluster(args.value("cluster"))
        var labels: [String: String] = [:]
        if let app = args.positional.first { labels[PodLabels.app] = app }
        if !args.has("all-namespaces") { labels[PodLabels.namespace] = args.value("namespace") ?? "default" }
        let observed = try apps.runtime(cluster).observe(labels: labels)
        for (n, why) in observed.unreachable.sorted(by: { $0.key < $1.key }) { terminal.err("node \(n) is down: \(why)\n") }
        let format = args.value("output")
        if let f = format, f != "json" && f != "wide" { throw UsageError("-o takes json or wide, got '\(f)'") }
        if format == "json" {
            terminal.out(jsonText(observed.pods.map { p in
                ["name": p.name, "node": p.node, "app": p.app, "namespace": p.namespace, "workload": p.workload, "replica": p.replica,
                 "revision": p.revision, "template": p.template, "status": p.status, "cpu_request": p.cpu, "memory_request": p.memory] as [String: Any]
            }))
            return ExitCode.ok
        }
        var t = Table(header: format == "wide" ? ["NAMESPACE", "APP", "POD", "STATUS", "NODE", "REVISION", "TEMPLATE", "CPU", "MEMORY"]
                                               : ["NAMESPACE", "APP", "POD", "STATUS", "NODE"])
        for p in observed.pods {
            let pod = "\(p.workload)-\(p.replica)"
            t.rows.append(format == "wide" ? [p.namespace, p.app, pod, p.status, p.node, String(p.revision), p.template,
                                              Quantity.cpuText(p.cpu), Quantity.memoryText(p.memory)]
                                           : [p.namespace, p.app, pod, p.status, p.node])
        }
        if t.rows.isEmpty { terminal.err("no pods\n"); return ExitCode.ok }
        terminal.out(t.render())
        return ExitCode.ok
    }

    /// The pod of `--replica` (default 0) of the app's workload, and its node's podman.
    static func replicaPod(_ args: ParsedArguments, _ apps: ContainerApps) throws -> (ObservedPod, Podman, container: String) {
        let t = try target(args, apps)
        _ = try apps.store.requireInstall(cluster: t.cluster, namespace: t.namespace, app: t.app)
        let replica = try args.value("replica").map { text -> Int in
            guard let n = Int(text) else { throw UsageError("--replica takes a number") }
            return n
        } ?? 0
        let rt = apps.runtime(t.cluster)
        let pods = try rt.observe(labels: [PodLabels.app: t.app, PodLabels.namespace: t.namespace]).pods
            .filter { $0.replica == replica && (args.value("workload") == nil || $0.workload == args.value("workload")) }
        guard let pod = pods.first(where: \.isRunning) ?? pods.first else {
            throw ContainersError("\(t.app) in \(t.namespace) has no pod for replica \(replica)", hint: "`platflow app pods \(t.app) -n \(t.namespace)`")
        }
        let node = try apps.store.requireNode(cluster: t.cluster, name: pod.node)
        let podman = rt.podman(for: node)
        let containers = try podman.containers(labels: [PodLabels.app: t.app, PodLabels.namespace: t.namespace])
            .filter { $0.podName == pod.name }
        let chosen = args.value("container").map { pod.name + "-" + $0 } ?? containers.first?.name ?? pod.name
        if let c = args.value("container"), !containers.contains(where: { $0.name == pod.name + "-" + c }) {
            throw ContainersError("pod \(pod.workload)-\(pod.replica) has no container '\(c)'",
                                  hint: "containers: \(containers.map { String($0.name.dropFirst(pod.name.count + 1)) }.joined(separator: ", "))")
        }
        return (pod, podman, chosen)
    }

    static let replicaFlags = [FlagSpec(name: "replica", value: "N", help: "the replica", defaultText: "0"),
                               FlagSpec(name: "workload", value: "NAME", help: "the Deployment (default: any)"),
                               FlagSpec(name: "container", value: "NAME", help: "the container (default: the first)")]

    static let logs = leaf(
        "logs", "A replica's container output (podman logs).",
        usage: ["platflow app logs APP [--replica N] [--container NAME] [--tail N] [--namespace NS] [--cluster C]"],
        flags: [namespaceFlag, FlagSpec(name: "tail", value: "N", help: "the last N lines")] + replicaFlags,
        examples: ["platflow app logs shop --namespace prod --replica 1 --tail 50"], arguments: 1...1) { args, apps, terminal in
        let (_, podman, container) = try replicaPod(args, apps)
        let result = try podman.logs(container, tail: try args.value("tail").map { t -> Int in
            guard let n = Int(t), n >= 0 else { throw UsageError("--tail takes a number") }
            return n
        })
        terminal.out(result.stdoutText)
        if !result.stderrText.isEmpty { terminal.err(result.stderrText) }
        return result.exitCode == 0 ? ExitCode.ok : ExitCode.failed
    }

    static let exec = leaf(
        "exec", "Runs a command in a replica's container; exits with its exit code.",
        usage: ["platflow app exec APP [--replica N] [--container NAME] [--namespace NS] [--cluster C] -- COMMAND [ARG]..."],
        flags: [namespaceFlag] + replicaFlags,
        examples: ["platflow app exec shop --namespace prod -- cat /etc/hostname"], arguments: 2...256) { args, apps, terminal in
        let (_, podman, container) = try replicaPod(args, apps)
        let result = try podman.exec(container, Array(args.positional.dropFirst()))
        terminal.out(result.stdoutText)
        if !result.stderrText.isEmpty { terminal.err(result.stderrText) }
        return result.exitCode
    }

    static let top = leaf(
        "top", "CPU and memory of an app's containers (podman stats), with the requests they were placed by.",
        usage: ["platflow app top APP [--namespace NS] [--cluster C] [--json]"], flags: [namespaceFlag, ContainersSession.jsonFlag],
        examples: ["platflow app top shop --namespace prod"], arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        _ = try apps.store.requireInstall(cluster: t.cluster, namespace: t.namespace, app: t.app)
        let usage = try AppUsage.measure(apps.runtime(t.cluster), namespace: t.namespace, app: t.app)
        if args.has("json") {
            terminal.out(jsonText(usage.map { ["pod": $0.pod, "node": $0.node, "container": $0.container, "cpu_percent": $0.cpuPercent,
                                                "memory": $0.memoryBytes, "cpu_request": $0.cpuRequest] as [String: Any] }))
            return ExitCode.ok
        }
        var table = Table(header: ["POD", "NODE", "CONTAINER", "CPU%", "MEMORY", "CPU REQUEST"])
        for u in usage {
            table.rows.append([u.pod, u.node, u.container, String(format: "%.1f", u.cpuPercent), Quantity.memoryText(u.memoryBytes),
                               Quantity.cpuText(u.cpuRequest)])
        }
        terminal.out(table.rows.isEmpty ? "no running containers\n" : table.render())
        return ExitCode.ok
    }
}

/// Autoscaling rules and their decisions.
extension AppRuntimeCommand {
    static let autoscale = leaf(
        "autoscale", "Sets (or with --off removes) an app's autoscaling rule, evaluated by `platflow scheduler`.",
        usage: ["platflow app autoscale APP (--cpu PERCENT | --memory PERCENT)... --min N --max N [--cooldown DURATION] [--workload NAME] [--namespace NS] [--cluster C]",
                "platflow app autoscale APP --off [--namespace NS] [--cluster C]",
                "platflow app autoscale APP --evaluate [--namespace NS] [--cluster C]"],
        flags: [namespaceFlag,
                FlagSpec(name: "cpu", value: "PERCENT", help: "target CPU use as a share of each pod's CPU request (50 or 50%)"),
                FlagSpec(name: "memory", value: "PERCENT", help: "target memory use as a share of each pod's memory request (70 or 70%)"),
                FlagSpec(name: "min", value: "N", help: "fewest replicas"), FlagSpec(name: "max", value: "N", help: "most replicas"),
                FlagSpec(name: "cooldown", value: "DURATION", help: "least time between two changes (30s, 5m)", defaultText: "60s"),
                FlagSpec(name: "workload", value: "NAME", help: "the Deployment (default: the only one)"),
                FlagSpec(name: "off", help: "remove the app's rules"),
                FlagSpec(name: "evaluate", help: "evaluate every rule once now (as the scheduler does) and print the decisions")],
        examples: ["platflow app autoscale shop --cpu 60% --min 2 --max 10 --namespace prod",
                   "platflow app autoscale shop --cpu 60% --memory 80% --min 2 --max 10 --namespace prod"],
        details: """
            Per target, wanted = ceil(replicas × share / target), left alone within 10% of the target; the larger of
            the CPU and memory answers wins, within [min, max], and nothing changes during the cooldown. CPU is
            measured over one second from podman's CPU time of each container, memory from podman stats at the end
            of that second (a memory target needs the workload's resources.requests.memory). Every
            evaluation is logged with the figures it saw (`platflow app decisions APP`). `platflow scheduler`
            evaluates the rules every PLATFLOW_AUTOSCALE_INTERVAL seconds (default 15).
            """,
        arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        let install = try apps.store.requireInstall(cluster: t.cluster, namespace: t.namespace, app: t.app)
        if args.has("off") {
            try apps.store.removeAutoscale(cluster: t.cluster, namespace: t.namespace, app: t.app)
            terminal.out("\(t.app) in \(t.namespace): autoscaling off\n")
            return ExitCode.ok
        }
        if args.has("evaluate") {
            for d in try apps.autoscale() where d.rule.app == t.app && d.rule.namespace == t.namespace {
                terminal.out("\(d.rule.workload): \(d.action) — \(d.reason)\n")
            }
            return ExitCode.ok
        }
        func percent(_ flag: String) throws -> Double? {
            guard let text = args.value(flag) else { return nil }
            guard let v = Double(text.replacingOccurrences(of: "%", with: "")), v > 0 else {
                throw UsageError("--\(flag) takes a percentage above 0 (60 or 60%), got '\(text)'")
            }
            return v
        }
        let cpu = try percent("cpu"), memory = try percent("memory")
        guard cpu != nil || memory != nil, let minText = args.value("min"), let min = Int(minText),
              let maxText = args.value("max"), let max = Int(maxText) else {
            throw UsageError("--cpu PERCENT and/or --memory PERCENT, --min N and --max N are required",
                             hint: "platflow app autoscale shop --cpu 60% --min 2 --max 10")
        }
        let cooldown = try args.value("cooldown").map { text -> Double in
            guard let ms = DurationText.milliseconds(text) else { throw UsageError("--cooldown \(text) is not a duration (30s, 5m)") }
            return Double(ms) / 1000
        } ?? 60
        let all = try apps.currentTarget(install).workloads
        let workloads = all.map(\.name)
        let workload = args.value("workload") ?? (workloads.count == 1 ? workloads[0] : "")
        guard let chosen = all.first(where: { $0.name == workload }) else {
            throw UsageError("say which workload with --workload", hint: "workloads: \(workloads.joined(separator: ", "))")
        }
        if memory != nil && chosen.memoryRequest <= 0 {
            throw UsageError("\(workload) requests no memory: a memory target is a share of resources.requests.memory",
                             hint: "set resources.requests.memory in its containers, or scale on --cpu")
        }
        try apps.store.setAutoscale(AutoscaleRule(cluster: t.cluster, namespace: t.namespace, app: t.app, workload: workload,
                                                  targetCPU: (cpu ?? 0) / 100, targetMemory: memory.map { $0 / 100 },
                                                  minReplicas: min, maxReplicas: max, cooldown: cooldown))
        let targets = [cpu.map { "\(Int($0))% CPU" }, memory.map { "\(Int($0))% memory" }].compactMap { $0 }.joined(separator: " and ")
        terminal.out("\(t.app) in \(t.namespace): \(workload) autoscales between \(min) and \(max) replicas at \(targets)\n")
        return ExitCode.ok
    }

    static let decisions = leaf(
        "decisions", "An app's autoscaling decisions, with the figures each saw.",
        usage: ["platflow app decisions APP [--namespace NS] [--cluster C]"], flags: [namespaceFlag],
        examples: ["platflow app decisions shop --namespace prod"], arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        var table = Table(header: ["WHEN", "WORKLOAD", "ACTION", "REPLICAS", "WANTED", "CPU", "MEMORY", "WHY"])
        for d in try apps.store.decisions(cluster: t.cluster, namespace: t.namespace, app: t.app) {
            table.rows.append([localTime(d.at), d.workload, d.action, String(d.replicas), String(d.wanted),
                               String(format: "%.0f%%", d.cpuShare * 100), d.memoryShare.map { String(format: "%.0f%%", $0 * 100) } ?? "-",
                               d.reason])
        }
        terminal.out(table.rows.isEmpty ? "no decisions yet\n" : table.render())
        return ExitCode.ok
    }
}

/// `30s`, `5m`, `1h`, `250ms` or plain seconds, in milliseconds.
enum DurationText {
    static func milliseconds(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let n = Double(text.dropLast(suffix.count)), n >= 0 { return Int64(n * factor) }
        }
        return Double(text).flatMap { $0 >= 0 ? Int64($0 * 1000) : nil }
    }
}
