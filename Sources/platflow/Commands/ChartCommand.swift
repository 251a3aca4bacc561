import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// `platflow chart render|lint|new|show`: chart folders rendered to Kubernetes manifests offline. Parsing and
/// printing only: the rules live in PlatContainers (Charts/).
enum ChartCommand {
    static let spec = CommandSpec(
        name: "chart",
        summary: "Charts: folders that render Kubernetes manifests from values (render, lint, new, show).",
        subcommands: [render, lint, new, show, apply],
        details: """
            A chart is a folder: chart.plat declares `chart "NAME" { version: ... }` and `fn render(values,
            release, chart)`, which returns the manifests as maps; values.yaml holds the defaults; README.md says
            what the values mean. Values merge as Helm's do: maps key by key, lists and scalars replaced whole,
            later -f files and --set winning, null removing a key. Rendered manifests are checked (names, labels,
            selectors, containers, ports) before they are printed. See docs/charts.md.
            Exit codes: 0 ok, 1 lint found problems, 2 bad input (a chart that does not render, bad values).
            """,
        opensDatabase: false)

    static let valuesFlag = FlagSpec(name: "values", short: "f", value: "FILE", repeats: true,
                                     help: "a YAML values file merged over the defaults (repeatable; later files win)")
    static let setFlag = FlagSpec(name: "set", value: "K=V", repeats: true,
                                  help: "set a value: a.b=c, list[0]=x, a={x,y}; true/false/ints typed (repeatable)")
    static let setStringFlag = FlagSpec(name: "set-string", value: "K=V", repeats: true,
                                        help: "set a value, always as a string (after every --set)")
    static let releaseFlag = FlagSpec(name: "release", value: "NAME", help: "the release name render receives", defaultText: "the chart's name")
    static let namespaceFlag = FlagSpec(name: "namespace", short: "n", value: "NS", help: "the namespace render receives and namespaced manifests get", defaultText: "default")

    static let render = CommandSpec(
        name: "render",
        summary: "Print a chart's Kubernetes manifests for the given values.",
        usage: ["platflow chart render CHART [-f FILE]... [--set K=V]... [--set-string K=V]... [--release NAME] [--namespace NS] [-o yaml|json] [--show-values]"],
        flags: [valuesFlag, setFlag, setStringFlag, releaseFlag, namespaceFlag,
                FlagSpec(name: "output", short: "o", value: "FORMAT", help: "yaml (documents separated by ---) or json (a List with items)", defaultText: "yaml"),
                FlagSpec(name: "show-values", help: "print the merged values (YAML) instead of the manifests")],
        examples: [
            "platflow chart render workflows/charts/web",
            "platflow chart render workflows/charts/web -f prod.yaml --set replicas=3 --namespace shop-prod",
            "platflow chart render workflows/charts/web --set image.tag=1.2 -o json",
        ],
        details: """
            The output is real Kubernetes YAML (or JSON), ready for kubectl apply -f -. Namespaced manifests that
            name no namespace get --namespace's. What chart.plat prints goes to stderr. A chart that fails to
            render, or renders a manifest that fails validation, prints the error (FILE:LINE:COL in chart.plat,
            or the manifest and field) and nothing on stdout.
            """,
        opensDatabase: false) { args, terminal in
        let chartDir = try oneChart(args, "render")
        let format = args.value("output") ?? "yaml"
        guard ["yaml", "json"].contains(format) else {
            throw UsageError("unknown output format '\(format)'", hint: "-o yaml or -o json")
        }
        let rendered = try ChartRenderer.render(chart: chartDir, valueFiles: args.values("values"), sets: args.values("set"),
                                                release: try releaseName(args, chartDir), namespace: args.value("namespace") ?? "default",
                                                setStrings: args.values("set-string"))
        if !rendered.printed.isEmpty { terminal.err(rendered.printed) }
        if args.has("show-values") {
            terminal.out(format == "json" ? try JSON.encode(rendered.values, indent: 2) + "\n" : try YAML.encode(rendered.values))
        } else {
            terminal.out(format == "json" ? try rendered.json() : rendered.yaml)
        }
        return ExitCode.ok
    }

    static let lint = CommandSpec(
        name: "lint",
        summary: "Check a chart: chart.plat, README, values, and every manifest it renders.",
        usage: ["platflow chart lint CHART [-f FILE]... [--set K=V]... [--set-string K=V]... [--namespace NS]"],
        flags: [valuesFlag, setFlag, setStringFlag, releaseFlag, namespaceFlag],
        examples: ["platflow chart lint workflows/charts/web", "platflow chart lint mychart -f values-prod.yaml"],
        details: """
            Reports every problem at once: chart.plat's diagnostics (as `platflow check`), a missing README.md,
            and each manifest problem of a render with the defaults (and the values given). Warnings (no
            values.yaml, no manifests) do not fail. Exit codes: 0 clean, 1 problems found, 2 usage.
            """,
        opensDatabase: false) { args, terminal in
        let chartDir = try oneChart(args, "lint")
        let report = ChartLint.lint(chartDir, valueFiles: args.values("values"), sets: args.values("set"),
                                    setStrings: args.values("set-string"), release: args.value("release"),
                                    namespace: args.value("namespace") ?? "default")
        for w in report.warnings { terminal.err("warning: \(w)\n") }
        for e in report.errors { terminal.err(e.hasSuffix("\n") ? e : e + "\n") }
        if report.isClean {
            let kinds = report.manifests.map { "\($0.kindAndName)" }.joined(separator: ", ")
            terminal.out("\(chartDir): ok (\(report.manifests.count) manifest\(report.manifests.count == 1 ? "" : "s")\(kinds.isEmpty ? "" : ": \(kinds)"))\n")
            return ExitCode.ok
        }
        terminal.err("\(report.errors.count) problem\(report.errors.count == 1 ? "" : "s") found\n")
        return ExitCode.failed
    }

    static let new = CommandSpec(
        name: "new",
        summary: "Make a chart folder that renders as it is (chart.plat, values.yaml, README.md).",
        usage: ["platflow chart new NAME [--dir DIR]"],
        flags: [FlagSpec(name: "dir", value: "DIR", help: "the folder to make it in", defaultText: ".")],
        examples: ["platflow chart new shop-api", "platflow chart new web --dir charts"],
        details: "NAME is a DNS-1123 label (it names resources). An existing folder is never overwritten.",
        opensDatabase: false) { args, terminal in
        guard args.positional.count == 1 else {
            throw UsageError(args.positional.isEmpty ? "chart new needs a name" : "chart new takes one name", hint: "platflow chart new web")
        }
        let path = try ChartScaffold.create(name: args.positional[0], in: args.value("dir") ?? ".")
        terminal.out("made \(path)/ (chart.plat, values.yaml, README.md); try: platflow chart render \(path)\n")
        return ExitCode.ok
    }

    static let show = CommandSpec(
        name: "show",
        summary: "Print a chart's metadata, default values and README.",
        usage: ["platflow chart show CHART [--values | --readme] [--json]"],
        flags: [FlagSpec(name: "values", help: "only the default values (values.yaml as read)"),
                FlagSpec(name: "readme", help: "only the README"),
                FlagSpec(name: "json", help: "metadata and values as JSON")],
        examples: ["platflow chart show workflows/charts/web", "platflow chart show workflows/charts/web --values"],
        opensDatabase: false) { args, terminal in
        let chartDir = try oneChart(args, "show")
        let chart = try Chart.load(chartDir)
        if args.has("json") {
            let object = Value.makeMap([("chart", chart.metadata.value), ("render_arguments", .list(chart.renderParameters.map { .string($0) })),
                                        ("values", chart.defaults), ("readme", chart.readme.map { .string($0) } ?? .null)])
            terminal.out(try JSON.encode(object, indent: 2) + "\n")
        } else if args.has("values") {
            terminal.out(try YAML.encode(chart.defaults))
        } else if args.has("readme") {
            guard let readme = chart.readme else { throw UsageError("\(chartDir) has no README.md") }
            terminal.out(readme.hasSuffix("\n") ? readme : readme + "\n")
        } else {
            let m = chart.metadata
            var out = "name:        \(m.name)\nversion:     \(m.version)\n"
            if let a = m.appVersion { out += "app version: \(a)\n" }
            if !m.description.isEmpty { out += "description: \(m.description)\n" }
            if !m.keywords.isEmpty { out += "keywords:    \(m.keywords.joined(separator: ", "))\n" }
            out += "render:      fn render(\(chart.renderParameters.joined(separator: ", ")))\n"
            out += "\n# values.yaml\n" + (try YAML.encode(chart.defaults))
            if let readme = chart.readme { out += "\n# README.md\n" + readme + (readme.hasSuffix("\n") ? "" : "\n") }
            terminal.out(out)
        }
        return ExitCode.ok
    }

    static let apply = CommandSpec(
        name: "apply",
        summary: "Render a chart and apply it to an imported Kubernetes cluster with kubectl, waiting for its rollouts.",
        usage: ["platflow chart apply CHART --cluster NAME [-f FILE]... [--set K=V]... [--set-string K=V]... [--release NAME] [--namespace NS] [--timeout SECONDS] [--print] [--kubectl PATH]"],
        flags: [FlagSpec(name: "cluster", value: "NAME", help: "a cluster registered with `platflow cluster import`"),
                valuesFlag, setFlag, setStringFlag, releaseFlag,
                FlagSpec(name: "namespace", short: "n", value: "NS", help: "the namespace", defaultText: "the cluster's context namespace"),
                FlagSpec(name: "timeout", value: "SECONDS", help: "how long each rollout may take", defaultText: "300"),
                FlagSpec(name: "print", help: "print the kubectl commands (and the manifests they apply) without running them"),
                FlagSpec(name: "kubectl", value: "PATH", help: "the kubectl program", defaultText: "kubectl on PATH")],
        examples: ["platflow chart apply workflows/charts/web --cluster prod --namespace shop --set replicas=3",
                   "platflow chart apply workflows/charts/web --cluster prod --print"],
        details: """
            Runs kubectl apply -f - with the rendered manifests, then kubectl rollout status for each Deployment,
            StatefulSet and DaemonSet, then kubectl get -o json for their status; every command names the
            cluster's kubeconfig and context. A rollout that fails is undone (kubectl rollout undo) and the
            command exits 1 with kubectl's words. Exit codes: 0 rolled out, 1 kubectl failed, 2 bad input.
            """) { args, terminal in
        let chartDir = try oneChart(args, "apply")
        guard let name = args.value("cluster") else {
            throw UsageError("chart apply needs --cluster NAME", hint: "register one with platflow cluster import --kubeconfig FILE")
        }
        let store = try EngineSession.open(args)
        guard let cluster = try KubeClusters.get(db: store.db, name: name) else {
            let known = try KubeClusters.list(db: store.db).map(\.name)
            throw UsageError("no Kubernetes cluster named '\(name)'",
                             hint: known.isEmpty ? "register one with platflow cluster import --kubeconfig FILE" : "imported clusters: \(known.joined(separator: ", "))")
        }
        var timeout = 300
        if let t = args.value("timeout") {
            guard let n = Int(t), n > 0 else { throw UsageError("--timeout takes a number of seconds, got '\(t)'") }
            timeout = n
        }
        let rendered = try ChartRenderer.render(chart: chartDir, valueFiles: args.values("values"), sets: args.values("set"),
                                                release: try releaseName(args, chartDir), namespace: args.value("namespace") ?? cluster.namespace,
                                                setStrings: args.values("set-string"))
        let backend = cluster.backend(kubectl: args.value("kubectl") ?? KubectlBackend.defaultKubectl)
        if args.has("print") {
            terminal.out(backend.deployCommands(rendered, timeoutSeconds: timeout).map { "\($0)\n" }.joined() + "# manifests.yaml\n" + rendered.yaml)
            return ExitCode.ok
        }
        do {
            for s in try backend.deploy(rendered, timeoutSeconds: timeout) {
                terminal.out("\(s.kind.lowercased())/\(s.name) in \(s.namespace): \(s.summary)\n")
            }
        } catch let failure as KubectlFailure {
            throw CLIFailure(message: "\(failure)", hint: "the failed rollout was undone (kubectl rollout undo)", exitCode: ExitCode.failed)
        }
        return ExitCode.ok
    }

    static func oneChart(_ args: ParsedArguments, _ verb: String) throws -> String {
        guard args.positional.count == 1 else {
            throw UsageError(args.positional.isEmpty ? "chart \(verb) needs a chart folder" : "chart \(verb) takes one chart folder",
                             hint: "platflow chart \(verb) workflows/charts/web")
        }
        return args.positional[0]
    }

    /// --release, else the chart's declared name (read without rendering).
    static func releaseName(_ args: ParsedArguments, _ chartDir: String) throws -> String {
        if let r = args.value("release") { return r }
        return try Chart.load(chartDir).metadata.name
    }
}
