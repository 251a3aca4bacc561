import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// `platflow cluster import`: registers a Kubernetes cluster from a kubeconfig file. It joins the `cluster`
/// family of the podman runtime (create, list, show, remove); `KubeClusters.list(db:)` gives listings the
/// imported clusters.
enum KubeClusterCommand {
    static let spec = CommandSpec(
        name: "cluster",
        summary: "Clusters: podman clusters platflow runs, and Kubernetes clusters it drives with kubectl.",
        subcommands: [importCmd],
        details: """
            A Kubernetes cluster is imported from a kubeconfig file: platflow records the file's path, a context
            and the API server, and drives the cluster with kubectl (--kubeconfig and --context on every
            command); credentials stay in the file. platflow cannot create a Kubernetes cluster.
            """)

    static let importCmd = CommandSpec(
        name: "import",
        summary: "Register a Kubernetes cluster from a kubeconfig file (kubectl drives it).",
        usage: ["platflow cluster import --kubeconfig FILE [--name NAME] [--context CONTEXT]"],
        flags: [FlagSpec(name: "kubeconfig", value: "FILE", help: "the kubeconfig file (its path is recorded, never its credentials)"),
                FlagSpec(name: "name", value: "NAME", help: "the cluster's name in platflow (a DNS-1123 label)", defaultText: "the context's name"),
                FlagSpec(name: "context", value: "CONTEXT", help: "the kubeconfig context to use", defaultText: "its current-context"),
                FlagSpec(name: "json", help: "print the registered cluster as JSON")],
        examples: ["platflow cluster import --kubeconfig ~/.kube/config --name prod --context prod-admin"],
        details: """
            The file is read and checked now (its contexts, the context's cluster and server); nothing is
            contacted. Exit codes: 0 registered, 2 bad input (unreadable file, unknown context, a name taken).
            """) { args, terminal in
        guard args.positional.isEmpty else {
            throw UsageError("cluster import takes no arguments, only flags", hint: "platflow cluster import --kubeconfig FILE")
        }
        guard let file = args.value("kubeconfig") else {
            throw UsageError("cluster import needs --kubeconfig FILE", hint: "platflow cluster import --kubeconfig ~/.kube/config --name prod")
        }
        let store = try EngineSession.open(args)
        let c = try KubeClusters.importCluster(db: store.db, kubeconfig: file, name: args.value("name"), context: args.value("context"),
                                               actor: RunExecutor.currentUser())
        if args.has("json") {
            terminal.out(jsonText(["name": c.name, "type": "kubernetes", "kubeconfig": c.kubeconfig, "context": c.context,
                                   "server": c.server, "namespace": c.namespace]))
        } else {
            terminal.out("registered Kubernetes cluster \(c.name): context \(c.context), server \(c.server), namespace \(c.namespace)\n")
        }
        return ExitCode.ok
    }
}
