import Foundation
import Testing
import PlatLang
@testable import PlatContainers

/// Every manifest the shipped and scaffolded charts render, under several sets of values, passes
/// kubernetes-validate --strict; and what ManifestValidator refuses, kubernetes-validate refuses too (its
/// refusals are real Kubernetes errors, said earlier and closer to the chart).
@Suite(.serialized) struct KubernetesValidationTests {
    func oracle() throws -> KubernetesValidateOracle { try KubernetesValidateOracle.shared.get() }

    @Test func everyRenderedManifestPassesKubernetesValidate() throws {
        let oracle = try oracle()
        let scratch = try ChartScratch()
        let nodePort = try scratch.file("nodeport.yaml", """
            service: {type: NodePort, node_port: 30080}
            resources: {limits: {cpu: 500m, memory: 64Mi}, requests: {cpu: 100m}}
            create_namespace: true
            image: {registry: "127.0.0.1:5000", repository: shop/web, tag: "2.0"}
            env: {MODE: "on", RETRIES: 3, DEBUG: false}
            """)
        let scaffold = try ChartScaffold.create(name: "scaffolded", in: scratch.root.path)
        var yaml = "", count = 0
        for (chart, files, sets) in [(ChartScratch.webChart, [String](), [String]()),
                                     (ChartScratch.webChart, [nodePort], ["replicas=0", "name_override=front"]),
                                     (ChartScratch.webChart, [], ["rollout.max_surge=25%", "page=plain text"]),
                                     (scaffold, [], ["replicas=3", "settings.LOG_LEVEL=debug"])] {
            let r = try ChartRenderer.render(chart: chart, valueFiles: files, sets: sets, release: "shop-web", namespace: "shop-prod")
            yaml += r.yaml
            count += r.manifests.count
        }
        let result = try oracle.validate(yaml: yaml)
        #expect(result.failures.isEmpty, "\(result.failures.joined(separator: "\n"))\n\(yaml)")
        #expect(result.passed == count)
        #expect(count == 13)
    }

    @Test func theOracleRefusesWhatKubernetesWould() throws {
        let result = try oracle().validate(yaml: """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: x}
            colour: blue
            """)
        #expect(result.failures.count == 1 && result.failures[0].contains("colour"), "\(result.failures)")
    }

    static let broken: [(String, String)] = [
        ("spec.replicas", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: '2', selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: i}]}}}\n"),
        ("spec.selector", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: i}]}}}\n"),
        ("spec.template.spec.containers", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {}}}\n"),
        ("spec.template.spec.containers[0].name", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {containers: [{image: i}]}}}\n"),
        ("spec.template.spec.containers[0].env[0].value", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: i, env: [{name: N, value: 3}]}]}}}\n"),
        ("spec.template.spec.containers[0].ports[0].containerPort", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: i, ports: [{containerPort: '80'}]}]}}}\n"),
        ("metadata.labels.tier", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {tier: 3}}\n"),
        ("metadata.annotations.n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, annotations: {n: 1}}\n"),
        ("data.n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {n: 1}\n"),
        ("spec.ports[0].port", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{targetPort: 80}]}\n"),
        ("spec.ports[0].protocol", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80, protocol: 6}]}\n"),
        ("spec.jobTemplate", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: a}\nspec: {schedule: '* * * * *'}\n"),
    ]

    @Test func whatManifestValidatorRefusesKubernetesValidateRefusesToo() throws {
        let oracle = try oracle()
        for (field, text) in Self.broken {
            let manifest = try YAML.decode(text)
            let ours = ManifestValidator.problems(in: [manifest])
            #expect(ours.contains { $0.field == field }, "\(field): \(ours)")
            let theirs = try oracle.validate(yaml: text)
            #expect(theirs.failures.count == 1, "kubernetes-validate passed what we refuse at \(field):\n\(text)")
        }
    }
}
