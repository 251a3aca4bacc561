import Testing
import PlatLang
@testable import PlatContainers

@Suite struct ManifestValidatorTests {
    @Test("Kubernetes' name rules", arguments: [
        ("web-1", true, true, true), ("a", true, true, true), ("1web", true, false, true), ("web.config", false, false, true),
        ("Web", false, false, false), ("-web", false, false, false), ("web-", false, false, false), ("", false, false, false),
        (String(repeating: "a", count: 63), true, true, true), (String(repeating: "a", count: 64), false, false, true),
        ("a..b", false, false, false), ("web_1", false, false, false),
    ])
    func names(_ s: String, _ label: Bool, _ dns1035: Bool, _ subdomain: Bool) {
        #expect((KubernetesNames.dns1123Label(s) == nil) == label)
        #expect((KubernetesNames.dns1035Label(s) == nil) == dns1035)
        #expect((KubernetesNames.dns1123Subdomain(s) == nil) == subdomain)
    }

    @Test func labelsAndPortNames() {
        #expect(KubernetesNames.qualifiedName("app.kubernetes.io/name") == nil)
        #expect(KubernetesNames.qualifiedName("Tier_1.x") == nil)
        #expect(KubernetesNames.qualifiedName("bad prefix/x")?.contains("prefix") == true)
        #expect(KubernetesNames.qualifiedName("x/") == "has an empty name")
        #expect(KubernetesNames.labelValue("") == nil)
        #expect(KubernetesNames.labelValue("v1.2_x") == nil)
        #expect(KubernetesNames.labelValue("-x") == "must start and end with a letter or digit")
        #expect(KubernetesNames.portName("http") == nil)
        #expect(KubernetesNames.portName("8080") == "needs at least one letter")
        #expect(KubernetesNames.portName("a--b") == "must not hold '--'")
        #expect(KubernetesNames.portName("a-very-long-port-name")?.contains("at most 15") == true)
        #expect(KubernetesNames.configKey("index.html") == nil)
        #expect(KubernetesNames.configKey("..") == "may not be '..'")
    }

    @Test("image references", arguments: [
        ("busybox", true), ("localhost/web:1", true), ("127.0.0.1:5000/shop/web:2.1", true), ("registry.local/shop/web", true),
        ("web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true), ("a__b/c-d.e:v1_x", true),
        ("", false), (":1.0", false), ("Web:1", false), ("web:", false), ("web:-1", false), ("web:1 2", false),
        ("127.0.0.1:99999/web", false), ("shop//web", false), ("web@md5:12", false), ("-web", false),
    ])
    func images(_ ref: String, _ valid: Bool) {
        #expect((KubernetesNames.imageReference(ref) == nil) == valid, "\(ref): \(KubernetesNames.imageReference(ref) ?? "valid")")
    }

    func problems(_ yaml: String) throws -> [String] {
        ManifestValidator.problems(in: try YAML.decode(yaml).listItems).map(\.description)
    }

    @Test func identityAndDuplicates() throws {
        let p = try problems("""
            - {kind: ConfigMap, metadata: {name: a}}
            - {apiVersion: v1, kind: Deployment, metadata: {name: a}}
            - {apiVersion: v1, metadata: {name: b}}
            - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
            - {apiVersion: v1, kind: Namespace, metadata: {name: n, namespace: x}}
            - 3
            """)
        #expect(p.contains("manifest 1 (ConfigMap/a): apiVersion: is missing; a ConfigMap needs apiVersion: v1"))
        #expect(p.contains("manifest 2 (Deployment/a): apiVersion: is \"v1\"; a Deployment is served as \"apps/v1\""))
        #expect(p.contains("manifest 2 (Deployment/a): spec: is missing"))
        #expect(p.contains("manifest 3 (?/b): kind: is missing; every manifest names its kind (Deployment, Service...)"))
        #expect(p.contains("manifest 4 (ConfigMap/a): metadata.name: manifest 1 is already a ConfigMap named \"a\""))
        #expect(p.contains("manifest 5 (Namespace/n): metadata.namespace: is set, but a Namespace belongs to no namespace"))
        #expect(p.contains("manifest 6 (int): (manifest): is a int; a manifest is a map with apiVersion, kind and metadata"))
    }

    @Test func workloadsAndServices() throws {
        let p = try problems("""
            - apiVersion: apps/v1
              kind: StatefulSet
              metadata: {name: db}
              spec:
                replicas: -1
                selector: {matchLabels: {app: db, tier: x}}
                template:
                  metadata: {labels: {app: db}}
                  spec:
                    containers:
                      - {name: db, image: "pg 15", ports: [{containerPort: 0, protocol: tcp, name: Pg}]}
                      - {name: db, image: pg}
            - apiVersion: v1
              kind: Service
              metadata: {name: 1db}
              spec: {type: Internal, ports: [{port: 5432, nodePort: 30000, targetPort: "--"}]}
            """)
        let expected = [
            "manifest 1 (StatefulSet/db): spec.replicas: is -1; it must be 0 or more",
            "manifest 1 (StatefulSet/db): spec.selector.matchLabels.tier: the pod template has no label \"tier\", so the StatefulSet would select none of its own pods",
            "manifest 1 (StatefulSet/db): spec.template.spec.containers[0].image: \"pg 15\" has ' ' in its path 'pg 15'; only lower-case letters, digits, '.', '_' and '-' are allowed; write it like registry.local/shop/web:1.4",
            "manifest 1 (StatefulSet/db): spec.template.spec.containers[0].ports[0].containerPort: is 0; a port is from 1 to 65535",
            "manifest 1 (StatefulSet/db): spec.template.spec.containers[0].ports[0].protocol: is \"tcp\"; one of TCP, UDP, SCTP",
            "manifest 1 (StatefulSet/db): spec.template.spec.containers[0].ports[0].name: \"Pg\" holds 'P'; only lower-case letters, digits and '-' are allowed",
            "manifest 1 (StatefulSet/db): spec.template.spec.containers[1].name: \"db\" names another container of this pod too",
            "manifest 2 (Service/1db): metadata.name: \"1db\" must start with a lower-case letter",
            "manifest 2 (Service/1db): spec.type: is \"Internal\"; one of ClusterIP, NodePort, LoadBalancer, ExternalName",
            "manifest 2 (Service/1db): spec.ports[0].targetPort: \"--\" must not start or end with '-'",
        ]
        for e in expected { #expect(p.contains(e), "\(e)\nnot in:\n\(p.joined(separator: "\n"))") }
        #expect(p.count == expected.count, "\(p.joined(separator: "\n"))")
    }

    @Test func aValidSetOfManifestsHasNoProblems() throws {
        #expect(try problems("""
            - {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
            - {apiVersion: v1, kind: Service, metadata: {name: db}, spec: {clusterIP: None, selector: {app: db}}}
            - {apiVersion: v1, kind: Service, metadata: {name: ext}, spec: {type: ExternalName, externalName: db.example}}
            - apiVersion: batch/v1
              kind: CronJob
              metadata: {name: nightly, namespace: shop}
              spec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: job, image: busybox}]}}}}}
            """) == [])
    }
}

extension Value {
    var listItems: [Value] {
        if case .list(let xs) = self { return xs }
        return []
    }
}
