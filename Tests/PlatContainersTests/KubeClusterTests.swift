import Foundation
import Testing
import PlatLang
import PlatStore
@testable import PlatContainers

/// Imported Kubernetes clusters, the kubectl commands built for them, and status read from kubectl's JSON.
/// Nothing here needs a Kubernetes API server (there is none to be had); the one test that runs the real
/// kubectl says so and runs only where kubectl is installed.
@Suite struct KubeClusterTests {
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
          - name: prod
            cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: AAAA}
          - name: broken
            cluster: {}
        contexts:
          - name: prod-admin
            context: {cluster: prod, user: admin, namespace: shop}
          - name: dev@local
            context: {cluster: prod, user: admin}
        current-context: prod-admin
        users:
          - name: admin
            user: {token: secret-token}
        """

    func database(_ scratch: ChartScratch) throws -> Database {
        let db = try Database(path: scratch.root.appendingPathComponent("p.db").path)
        try db.migrate(ImageSchema.migrations)
        return db
    }

    @Test func importListGetRemove() throws {
        let scratch = try ChartScratch()
        let db = try database(scratch)
        let file = try scratch.file("kubeconfig", Self.kubeconfig)
        let prod = try KubeClusters.importCluster(db: db, kubeconfig: file, actor: "alice", now: 100)
        #expect(prod == KubeCluster(name: "prod-admin", kubeconfig: file, context: "prod-admin", server: "https://10.0.0.1:6443",
                                    namespace: "shop", importedBy: "alice", importedAt: 100))
        let dev = try KubeClusters.importCluster(db: db, kubeconfig: file, name: "dev", context: "dev@local", actor: "bob", now: 200)
        #expect(dev.namespace == "default" && dev.context == "dev@local")
        #expect(try KubeClusters.list(db: db).map(\.name) == ["dev", "prod-admin"])
        #expect(try KubeClusters.get(db: db, name: "dev") == dev)
        // The token stays in the file: nothing of it is stored.
        let rows = try db.query("SELECT * FROM containers_kube_clusters")
        #expect(!rows.description.contains("secret-token"))
        #expect { try KubeClusters.importCluster(db: db, kubeconfig: file, actor: "a") } throws: { "\($0)".contains("already registered") }
        #expect(try KubeClusters.remove(db: db, name: "dev"))
        #expect(try !KubeClusters.remove(db: db, name: "dev"))
        #expect(try KubeClusters.list(db: db).map(\.name) == ["prod-admin"])
    }

    @Test("bad kubeconfigs and contexts are refused, nothing written", arguments: [
        (kubeconfig, "nope", "has no context \"nope\""),
        (kubeconfig, "prod-admn", "did you mean 'prod-admin'?"),
        (kubeconfig, "dev@local", "cluster name \"dev@local\" holds '@'"),
        ("kind: Pod\n", nil, "its kind is \"Pod\", not \"Config\""),
        ("- a\n", nil, "not a kubeconfig: it holds a list"),
        ("kind: Config\ncontexts: []\n", nil, "has no current-context; name one with --context"),
        ("kind: Config\ncontexts: [{name: x, context: {cluster: gone}}]\ncurrent-context: x\n", nil, "names cluster \"gone\", which the file does not define"),
        ("kind: Config\nclusters: [{name: c}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n", nil, "cluster \"c\" of context \"x\" has no server address"),
        (kubeconfig.replacingOccurrences(of: "cluster: prod, user: admin, namespace: shop", with: "cluster: broken, user: admin"), nil, "cluster \"broken\" of context \"prod-admin\" has no server"),
        ("kind: Config\nclusters: [a\n", nil, ":2:"),
    ] as [(String, String?, String)])
    func refusals(_ text: String, _ context: String?, _ fragment: String) throws {
        let scratch = try ChartScratch()
        let db = try database(scratch)
        let file = try scratch.file("kubeconfig", text)
        #expect { try KubeClusters.importCluster(db: db, kubeconfig: file, context: context, actor: "a") } throws: { e in
            "\(e)".contains(fragment)
        }
        #expect(try KubeClusters.list(db: db).isEmpty)
        #expect { try KubeClusters.importCluster(db: db, kubeconfig: scratch.root.appendingPathComponent("none").path, actor: "a") }
            throws: { "\($0)".contains("cannot read kubeconfig") }
    }

    @Test func theExactKubectlCommandsOfADeploy() throws {
        let rendered = try ChartRenderer.render(chart: ChartScratch.webChart, valueFiles: [], sets: [], release: "web", namespace: "shop")
        let backend = KubeCluster(name: "prod", kubeconfig: "/etc/k8s/prod config", context: "prod-admin", server: "", namespace: "shop",
                                  importedBy: "", importedAt: 0).backend(kubectl: "/usr/bin/kubectl")
        let commands = backend.deployCommands(rendered, timeoutSeconds: 120)
        let base = ["--kubeconfig", "/etc/k8s/prod config", "--context", "prod-admin"]
        #expect(commands.map(\.arguments) == [
            base + ["apply", "-f", "-"],
            base + ["rollout", "status", "deployment/web", "--namespace", "shop", "--timeout", "120s"],
            base + ["get", "deployment", "web", "--namespace", "shop", "-o", "json"],
        ])
        #expect(commands[0].input == rendered.yaml && commands[1].input == nil)
        #expect(commands.allSatisfy { $0.executable == "/usr/bin/kubectl" })
        #expect(commands[1].description == "/usr/bin/kubectl --kubeconfig '/etc/k8s/prod config' --context prod-admin rollout status deployment/web --namespace shop --timeout 120s")
        #expect(commands[0].description.hasSuffix("apply -f - < manifests.yaml"))
        #expect(backend.rolloutUndo(kind: "StatefulSet", name: "db", namespace: "data", toRevision: 3).arguments
                == base + ["rollout", "undo", "statefulset/db", "--namespace", "data", "--to-revision=3"])
        #expect(backend.apply(yaml: "x", dryRun: .server).arguments == base + ["apply", "-f", "-", "--dry-run=server"])
        #expect(backend.delete(yaml: "x").arguments == base + ["delete", "--ignore-not-found", "-f", "-"])
        #expect(backend.list(kind: "Deployment", namespace: "shop", selector: "app.kubernetes.io/instance=web").arguments
                == base + ["get", "deployment", "--namespace", "shop", "--selector", "app.kubernetes.io/instance=web", "-o", "json"])
    }

    static let rolledOut = """
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "shop", "generation": 3, "uid": "5f1c"},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}},
         "status": {"observedGeneration": 3, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                    "conditions": [
                      {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                      {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": "ReplicaSet \\"web-7d4b9\\" has successfully progressed."}]}}
        """

    @Test func statusFromKubectlJSON() throws {
        let done = try WorkloadStatus.parse(json: Self.rolledOut)
        #expect(done.count == 1 && done[0].isRolledOut && !done[0].hasFailed)
        #expect(done[0].summary == "rolled out: 3/3 ready, 3/3 updated, 3/3 available")
        #expect(done[0].conditions.map(\.reason) == ["MinimumReplicasAvailable", "NewReplicaSetAvailable"])

        let rolling = try WorkloadStatus.parse(json: """
            {"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "generation": 4},
             "spec": {"replicas": 3}, "status": {"observedGeneration": 4, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3}}
            """)[0]
        #expect(!rolling.isRolledOut && rolling.summary == "rolling out: 3/3 ready, 1/3 updated, 3/3 available")

        let stale = try WorkloadStatus.parse(json: Self.rolledOut.replacingOccurrences(of: "\"generation\": 3", with: "\"generation\": 4"))[0]
        #expect(!stale.isRolledOut)

        let failed = try WorkloadStatus.parse(json: """
            {"kind": "Deployment", "metadata": {"name": "web", "generation": 2}, "spec": {"replicas": 2},
             "status": {"observedGeneration": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                        "message": "ReplicaSet \\"web-5c9\\" has timed out progressing."}]}}
            """)[0]
        #expect(failed.hasFailed && !failed.isRolledOut && failed.namespace == "default")

        let list = try WorkloadStatus.parse(json: """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"kind": "Service", "metadata": {"name": "web"}},
              {"kind": "StatefulSet", "metadata": {"name": "db", "namespace": "data", "generation": 1},
               "spec": {"replicas": 2}, "status": {"observedGeneration": 1, "updatedReplicas": 2, "readyReplicas": 2}},
              {"kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "kube-system", "generation": 5},
               "status": {"observedGeneration": 5, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberReady": 2, "numberAvailable": 2}}]}
            """)
        #expect(list.map(\.kind) == ["StatefulSet", "DaemonSet"])
        #expect(list[0].isRolledOut && list[0].available == 2)
        #expect(!list[1].isRolledOut && list[1].summary == "rolling out: 2/3 ready, 3/3 updated, 2/3 available")

        #expect { try WorkloadStatus.parse(json: "error: the server doesn't have a resource type") } throws: { "\($0)".contains("not JSON") }
        #expect { try WorkloadStatus.parse(json: "{\"a\": 1}") } throws: { "\($0)".contains("has no kind") }
    }

    /// A stand-in kubectl: records each call (arguments, then standard input) in LOG and answers as a cluster
    /// would; ROLLOUT_FAILS=1 makes `rollout status` fail.
    func fakeKubectl(_ scratch: ChartScratch, rolloutFails: Bool) throws -> (path: String, log: String) {
        let log = scratch.root.appendingPathComponent("calls.log").path
        let status = try scratch.file("status.json", Self.rolledOut)
        let script = try scratch.file("kubectl", """
            #!/bin/sh
            echo "ARGS $*" >> '\(log)'
            case " $* " in
              *" apply "*) cat >> '\(log)'; echo "deployment.apps/web configured" ;;
              *" rollout status "*) if [ "\(rolloutFails ? 1 : 0)" = 1 ]; then echo 'error: deployment "web" exceeded its progress deadline' >&2; exit 1; fi
                                    echo 'deployment "web" successfully rolled out' ;;
              *" rollout undo "*) echo "deployment.apps/web rolled back" ;;
              *" get "*) cat '\(status)' ;;
              *) echo "unexpected: $*" >&2; exit 3 ;;
            esac
            """)
        chmod(script, 0o755)
        return (script, log)
    }

    @Test func deployRunsTheCommandsAndReadsStatus() throws {
        let scratch = try ChartScratch()
        let (kubectl, log) = try fakeKubectl(scratch, rolloutFails: false)
        let rendered = try ChartRenderer.render(chart: ChartScratch.webChart, valueFiles: [], sets: [], release: "web", namespace: "shop")
        let backend = KubectlBackend(kubeconfig: "/k/config", context: "prod", kubectl: kubectl)
        let statuses = try backend.deploy(rendered, timeoutSeconds: 60)
        #expect(statuses.count == 1 && statuses[0].isRolledOut && statuses[0].name == "web")
        let calls = try String(contentsOfFile: log, encoding: .utf8)
        #expect(calls == "ARGS --kubeconfig /k/config --context prod apply -f -\n" + rendered.yaml
                + "ARGS --kubeconfig /k/config --context prod rollout status deployment/web --namespace shop --timeout 60s\n"
                + "ARGS --kubeconfig /k/config --context prod get deployment web --namespace shop -o json\n")
    }

    @Test func aFailedRolloutIsUndoneAndReportedWithKubectlsWords() throws {
        let scratch = try ChartScratch()
        let (kubectl, log) = try fakeKubectl(scratch, rolloutFails: true)
        let rendered = try ChartRenderer.render(chart: ChartScratch.webChart, valueFiles: [], sets: [], release: "web", namespace: "shop")
        let backend = KubectlBackend(kubeconfig: "/k/config", context: "prod", kubectl: kubectl)
        #expect { try backend.deploy(rendered, timeoutSeconds: 60) } throws: { e in
            "\(e)".contains("rollout status deployment/web --namespace shop --timeout 60s exited with 1: error: deployment \"web\" exceeded its progress deadline")
        }
        let calls = try String(contentsOfFile: log, encoding: .utf8)
        #expect(calls.hasSuffix("ARGS --kubeconfig /k/config --context prod rollout undo deployment/web --namespace shop\n"))
        #expect(!calls.contains(" get "))
    }

    static let kubectlPath: String? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: kubectlPath != nil, "needs kubectl at /usr/bin/kubectl or /usr/local/bin/kubectl (Debian bookworm does not package it)"))
    func whatKubectlItselfGeneratesOfflinePassesOurChecks() throws {
        let kubectl = Self.kubectlPath!
        let backend = KubectlBackend(kubeconfig: "/dev/null", context: "none", kubectl: kubectl)
        for words in [["create", "deployment", "web", "--image=localhost/web:1", "--replicas=2", "--port=8080"],
                      ["create", "service", "clusterip", "web", "--tcp=80:8080"],
                      ["create", "configmap", "page", "--from-literal=index.html=hello"],
                      ["create", "namespace", "shop"],
                      ["create", "cronjob", "nightly", "--image=busybox", "--schedule=0 3 * * *"]] {
            let r = try backend.run(KubectlCommand(executable: kubectl, arguments: words + ["--dry-run=client", "-o", "yaml"], input: nil))
            #expect(r.status == 0, "\(words): \(r.stderr)")
            let manifest = try YAML.decode(r.stdout)
            #expect(ManifestValidator.problems(in: [manifest]) == [], "\(words)")
        }
        let json = try backend.run(KubectlCommand(executable: kubectl, arguments: ["create", "deployment", "web", "--image=busybox",
                                                                                   "--replicas=2", "--dry-run=client", "-o", "json"], input: nil))
        let s = try WorkloadStatus.parse(json: json.stdout)
        #expect(s.count == 1 && s[0].desired == 2 && s[0].ready == 0 && !s[0].isRolledOut)
    }
}
