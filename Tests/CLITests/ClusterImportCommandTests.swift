import Foundation
import Testing

/// `platflow cluster import --kubeconfig`: a Kubernetes cluster registered from a kubeconfig file.
@Suite("platflow cluster import") struct ClusterImportCommandTests {
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
          - {name: prod, cluster: {server: "https://10.0.0.1:6443"}}
        contexts:
          - {name: prod-admin, context: {cluster: prod, user: admin, namespace: shop}}
          - {name: dev@local, context: {cluster: prod, user: admin}}
        current-context: prod-admin
        users:
          - {name: admin, user: {token: secret-token}}

        """

    @Test func importsOnceAndRefusesBadInputWithExitTwo() throws {
        try CLI.with { cli in
            try cli.write("kubeconfig", Self.kubeconfig)
            let r = try cli.run(["cluster", "import", "--kubeconfig", "kubeconfig"])
            expectExit(r, 0)
            #expect(r.stdout == "registered Kubernetes cluster prod-admin: context prod-admin, server https://10.0.0.1:6443, namespace shop\n")
            let json = try cli.run(["cluster", "import", "--kubeconfig", "kubeconfig", "--context", "dev@local", "--name", "dev", "--json"])
            expectExit(json, 0)
            #expect(json.stdout.contains("\"namespace\" : \"default\"") && json.stdout.contains("\"type\" : \"kubernetes\""), "\(json)")
            let again = try cli.run(["cluster", "import", "--kubeconfig", "kubeconfig"])
            expectExit(again, 2)
            #expect(again.stderr == "error: a Kubernetes cluster named \"prod-admin\" is already registered\nhint: remove it first, or import this one with another --name\n")
            let badName = try cli.run(["cluster", "import", "--kubeconfig", "kubeconfig", "--context", "dev@local"])
            expectExit(badName, 2)
            #expect(badName.stderr.contains("give one with --name"))
            let noFile = try cli.run(["cluster", "import"])
            expectExit(noFile, 2)
            #expect(noFile.stderr.contains("needs --kubeconfig FILE"))
            // `cluster list` shows imported clusters beside podman ones.
            let list = try cli.run(["cluster", "list"])
            expectExit(list, 0)
            #expect(list.stdout.contains("KUBERNETES CLUSTER") && list.stdout.contains("prod-admin") && list.stdout.contains("https://10.0.0.1:6443"), "\(list)")
            let listed = try cli.run(["cluster", "list", "--json"])
            #expect(listed.stdout.contains("\"name\" : \"dev\"") && listed.stdout.contains("\"type\" : \"kubernetes\""), "\(listed)")
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            let dump = try String(contentsOfFile: db, encoding: .isoLatin1)
            #expect(!dump.contains("secret-token"), "the token must stay in the kubeconfig")
        }
    }

    static let webChart = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("workflows/charts/web").path

    @Test func chartApplyDrivesTheImportedClusterWithKubectl() throws {
        try CLI.with { cli in
            try cli.write("kubeconfig", Self.kubeconfig)
            expectExit(try cli.run(["cluster", "import", "--kubeconfig", "kubeconfig", "--name", "prod"]), 0)
            let kubeconfig = cli.directory.appendingPathComponent("kubeconfig").standardizedFileURL.path
            let printed = try cli.run(["chart", "apply", Self.webChart, "--cluster", "prod", "--print", "--timeout", "90"])
            expectExit(printed, 0)
            #expect(printed.stdout.hasPrefix("""
                kubectl --kubeconfig \(kubeconfig) --context prod-admin apply -f - < manifests.yaml
                kubectl --kubeconfig \(kubeconfig) --context prod-admin rollout status deployment/web --namespace shop --timeout 90s
                kubectl --kubeconfig \(kubeconfig) --context prod-admin get deployment web --namespace shop -o json
                # manifests.yaml
                ---
                apiVersion: v1
                """), "\(printed)")
            // A stand-in kubectl that records its calls and answers as a cluster would.
            let log = cli.directory.appendingPathComponent("calls.log").path
            try cli.write("kubectl", """
                #!/bin/sh
                echo "$*" >> '\(log)'
                case " $* " in
                  *" apply "*) cat > /dev/null; echo configured ;;
                  *" rollout status "*) echo ok ;;
                  *" get "*) echo '{"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "generation": 2}, "spec": {"replicas": 2}, "status": {"observedGeneration": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}}' ;;
                esac
                """)
            let kubectl = cli.directory.appendingPathComponent("kubectl").path
            chmod(kubectl, 0o755)
            let applied = try cli.run(["chart", "apply", Self.webChart, "--cluster", "prod", "--kubectl", kubectl])
            expectExit(applied, 0)
            #expect(applied.stdout == "deployment/web in shop: rolled out: 2/2 ready, 2/2 updated, 2/2 available\n", "\(applied)")
            let calls = try String(contentsOfFile: log, encoding: .utf8)
            #expect(calls == "--kubeconfig \(kubeconfig) --context prod-admin apply -f -\n"
                    + "--kubeconfig \(kubeconfig) --context prod-admin rollout status deployment/web --namespace shop --timeout 300s\n"
                    + "--kubeconfig \(kubeconfig) --context prod-admin get deployment web --namespace shop -o json\n")
            let unknown = try cli.run(["chart", "apply", Self.webChart, "--cluster", "staging"])
            expectExit(unknown, 2)
            #expect(unknown.stderr.contains("no Kubernetes cluster named 'staging'"))
        }
    }
}
