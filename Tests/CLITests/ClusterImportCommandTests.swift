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
            let db = cli.directory.appendingPathComponent(".platflow/platflow.db").path
            let dump = try String(contentsOfFile: db, encoding: .isoLatin1)
            #expect(!dump.contains("secret-token"), "the token must stay in the kubeconfig")
        }
    }
}
