import Foundation

/// `platflow chart new NAME`: a chart folder that renders and validates as it is (a Deployment, a Service and
/// a ConfigMap of settings), with a README that says how to change it.
public enum ChartScaffold {
    /// Makes the folder `parent/name` with chart.plat, values.yaml and README.md; returns its path. The files
    /// are written in a hidden folder beside it that is then renamed, so a failure leaves nothing half-made.
    public static func create(name: String, in parent: String) throws -> String {
        if let p = KubernetesNames.dns1123Label(name) {
            throw ContainerInputError("chart name \"\(name)\" \(p)", hint: "chart names are used in resource names: e.g. web or shop-api")
        }
        let fm = FileManager.default
        let target = (parent as NSString).appendingPathComponent(name)
        if fm.fileExists(atPath: target) {
            throw ContainerInputError("'\(target)' already exists", hint: "choose another name, or --dir for another folder")
        }
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ContainerInputError("'\(parent)' is not a folder", hint: "make it first, or name another with --dir")
        }
        let staging = (parent as NSString).appendingPathComponent(".\(name).new-\(getpid())")
        try? fm.removeItem(atPath: staging)
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
            for (file, text) in files(name: name) {
                try text.write(toFile: (staging as NSString).appendingPathComponent(file), atomically: true, encoding: .utf8)
            }
            try fm.moveItem(atPath: staging, toPath: target)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw ContainerInputError("cannot make the chart folder '\(target)': \(error.localizedDescription)")
        }
        return target
    }

    static func files(name: String) -> [(String, String)] {
        [("chart.plat", chartPlat(name)), ("values.yaml", valuesYAML(name)), ("README.md", readme(name))]
    }

    static func chartPlat(_ name: String) -> String {
        #"""
        # The \#(name) chart: render(values, release, chart) returns the Kubernetes manifests as maps.
        # Try it: platflow chart render \#(name) --set replicas=3

        chart "\#(name)" {
            version: "0.1.0",
            description: "\#(name): a Deployment behind a Service, its settings in a ConfigMap.",
            app_version: "1.0.0",
        }

        # Pods are selected by these labels; every object carries them and a few more.
        fn selector_labels(release) {
            return {"app.kubernetes.io/name": "\#(name)", "app.kubernetes.io/instance": release.name}
        }

        fn labels(release, chart) {
            return selector_labels(release) + {
                "app.kubernetes.io/version": chart.app_version,
                "app.kubernetes.io/managed-by": release.service,
            }
        }

        fn render(values, release, chart) {
            let all = labels(release, chart)
            let settings = {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: {name: "\(release.name)-settings", labels: all},
                data: values.settings,
            }
            let deployment = {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: {name: release.name, labels: all},
                spec: {
                    replicas: values.replicas,
                    selector: {matchLabels: selector_labels(release)},
                    template: {
                        metadata: {labels: all},
                        spec: {
                            containers: [{
                                name: "\#(name)",
                                image: "\(values.image.repository):\(values.image.tag)",
                                args: values.args,
                                ports: [{name: "http", containerPort: values.port}],
                                envFrom: [{configMapRef: {name: "\(release.name)-settings"}}],
                            }],
                        },
                    },
                },
            }
            let service = {
                apiVersion: "v1",
                kind: "Service",
                metadata: {name: release.name, labels: all},
                spec: {selector: selector_labels(release), ports: [{name: "http", port: values.service_port, targetPort: "http"}]},
            }
            return [settings, deployment, service]
        }

        """#
    }

    static func valuesYAML(_ name: String) -> String {
        """
        # Defaults of the \(name) chart; -f FILE and --set key=value override them.
        replicas: 1
        image:
          repository: localhost/\(name)
          tag: "1.0.0"
        args: ["httpd", "-f", "-p", "8080", "-h", "/"]
        port: 8080
        service_port: 80
        settings:
          LOG_LEVEL: info

        """
    }

    static func readme(_ name: String) -> String {
        """
        # \(name)

        A chart for platflow: `chart.plat` declares the chart and its `render` function, `values.yaml` holds the
        defaults. See docs/charts.md in platflow for the format.

        ## Try it

        ```
        platflow chart render \(name)                         # the manifests as YAML
        platflow chart render \(name) --set replicas=3 -o json
        platflow chart lint \(name)                           # check chart.plat, render, validate
        ```

        ## Values

        | value | default | meaning |
        |---|---|---|
        | `replicas` | `1` | how many pods the Deployment keeps |
        | `image.repository`, `image.tag` | `localhost/\(name)`, `"1.0.0"` | the container image |
        | `args` | busybox httpd on 8080 | the container's command line |
        | `port` | `8080` | the port the container listens on (named `http`) |
        | `service_port` | `80` | the Service's port, sent to `http` |
        | `settings` | `{LOG_LEVEL: info}` | environment of the container, through a ConfigMap (string values) |

        """
    }
}
