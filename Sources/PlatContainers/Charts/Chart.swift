import Foundation
import PlatLang

/// A chart folder, read and compiled: `chart.plat` (the `chart` declaration and `fn render`), `values.yaml`
/// (the defaults) and `README.md`.
///
/// chart.plat's `render` is called with, by parameter name, any of:
/// - `values`: the merged values (a map);
/// - `release`: `{name, namespace, revision, service: "platflow"}`;
/// - `chart`: the declaration's metadata, `{name, version, description, app_version, keywords}`.
/// It declares the ones it uses, in any order (`fn render(values, release)`), and returns a list of manifests:
/// maps in Kubernetes' own shape. A nil item is left out and a nested list is spliced in, so optional parts
/// and helper functions that return several manifests read naturally. chart.plat can call no effects:
/// rendering is a pure function of the chart and its values.
public struct Chart {
    public let directory: String
    public let metadata: ChartMetadata
    /// values.yaml, or an empty map when the chart has none.
    public let defaults: Value
    public let hasValuesFile: Bool
    public let readme: String?
    public var planPath: String { (directory as NSString).appendingPathComponent("chart.plat") }
    public var valuesPath: String { (directory as NSString).appendingPathComponent("values.yaml") }
    /// The arguments `render` declares, in order.
    public let renderParameters: [String]

    let interpreter: Interpreter
    let module: CompiledModule
    let output: PrintedOutput

    /// The arguments a chart's `render` may declare.
    public static let renderArguments = ["values", "release", "chart"]

    /// Reads and compiles the chart at `directory`. Every problem of chart.plat (as `platflow check` reports
    /// them), a missing declaration or `render`, and a values.yaml that is not a mapping are ContainerInputErrors.
    public static func load(_ directory: String) throws -> Chart {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ContainerInputError("'\(directory)' is not a chart folder: \(FileManager.default.fileExists(atPath: directory) ? "it is a file" : "no such folder")",
                             hint: "a chart is a folder with chart.plat and values.yaml; `platflow chart new NAME` makes one")
        }
        let plan = (directory as NSString).appendingPathComponent("chart.plat")
        guard FileManager.default.fileExists(atPath: plan) else {
            throw ContainerInputError("'\(directory)' is not a chart folder: it has no chart.plat",
                             hint: "`platflow chart new NAME` makes a chart folder to start from")
        }
        let output = PrintedOutput()
        let interpreter = Interpreter(effects: output, effectSpecs: [], declarations: [ChartDeclaration.spec])
        let module: CompiledModule
        do { module = try interpreter.load(path: plan) } catch var list as DiagnosticList {
            for i in list.diagnostics.indices { list.diagnostics[i] = explainEffect(list.diagnostics[i]) }
            throw ContainerInputError(list)
        }
        let metadata = try ChartMetadata.read(from: module, file: plan)
        guard let (params, loc) = interpreter.functionParameters("render", in: module) else {
            throw ContainerInputError("\(plan) declares no function render",
                             hint: "declare fn render(values, release, chart) { return [ ...manifests... ] }")
        }
        for p in params where !renderArguments.contains(p) {
            throw ChartMetadata.located("render's parameter '\(p)' is none of the arguments a chart receives", at: loc,
                                        hint: "render takes any of: values, release, chart"
                                            + (closestName(to: p, in: renderArguments).map { " (did you mean '\($0)'?)" } ?? ""))
        }
        let valuesPath = (directory as NSString).appendingPathComponent("values.yaml")
        let hasValues = FileManager.default.fileExists(atPath: valuesPath)
        let defaults = hasValues ? try ChartValues.load(file: valuesPath) : .map(MapStorage())
        let readmePath = (directory as NSString).appendingPathComponent("README.md")
        let readme = FileManager.default.contents(atPath: readmePath).map { String(decoding: $0, as: UTF8.self) }
        return Chart(directory: directory, metadata: metadata, defaults: defaults, hasValuesFile: hasValues,
                     readme: readme, renderParameters: params, interpreter: interpreter, module: module, output: output)
    }

    /// Effects a workflow may call and chart.plat may not: an undefined `sh` there gets the reason as its hint.
    static let effectNames: Set<String> = ["sh", "now", "uuid", "random", "sleep", "env", "copy", "script", "approve",
                                           "cmdb", "release", "gateway", "containers"]

    static func explainEffect(_ d: Diagnostic) -> Diagnostic {
        guard d.message.hasPrefix("undefined name '"),
              let name = d.message.split(separator: "'").dropFirst().first, effectNames.contains(String(name)) else { return d }
        var out = d
        out.hint = "\(name) is an effect, and chart.plat has none: rendering is a pure function of the chart and its values"
        return out
    }

    /// The manifests `render` returns for these values, flattened (nil items dropped, nested lists spliced),
    /// each a map, with what the chart printed. Errors in chart.plat carry its FILE:LINE:COL and traceback.
    public func manifests(values: Value, release: String, namespace: String, revision: Int = 1) throws -> (manifests: [Value], printed: String) {
        let releaseValue = Value.makeMap([("name", .string(release)), ("namespace", .string(namespace)),
                                          ("revision", .int(revision)), ("service", .string("platflow"))])
        output.text = ""
        let result: Value
        do {
            // A fresh instance per render: the top level runs again, as each render starts from the file.
            result = try interpreter.instantiate(module)
                .call("render", named: [("values", values), ("release", releaseValue), ("chart", metadata.value)])
        } catch let d as Diagnostic {
            throw ContainerInputError(d)
        }
        let loc = interpreter.functionParameters("render", in: module)!.location
        guard case .list(let items) = result else {
            throw ChartMetadata.located("render returned \(result.typeName == "nil" ? "nil" : "a \(result.typeName)"), not a list of manifests",
                                        at: loc, hint: "end render with return [deployment, service, ...]")
        }
        var out: [Value] = []
        func collect(_ xs: [Value], _ path: String) throws {
            for (i, x) in xs.enumerated() {
                switch x {
                case .null: continue
                case .map: out.append(x)
                case .list(let inner): try collect(inner, "\(path)[\(i)]")
                default:
                    throw ChartMetadata.located("render's result\(path)[\(i)] is a \(x.typeName); each manifest is a map",
                                                at: loc, hint: "return maps such as {apiVersion: \"v1\", kind: \"ConfigMap\", metadata: {name: \"x\"}}")
                }
            }
        }
        try collect(items, "")
        return (out, output.text)
    }
}

/// The effect handler of a chart: chart.plat declares no effects, so only `print` reaches it; what it prints
/// is kept for the caller (the CLI shows it on stderr).
final class PrintedOutput: EffectHandler {
    var text = ""
    func perform(_ call: EffectCall) throws -> Value {
        throw RuntimeError("\(call.name)() is an effect, and rendering a chart performs none")
    }
    func stepStarted(_ step: StepEvent) throws {
        throw RuntimeError("a chart has no steps: rendering is a pure function of its values")
    }
    func stepFinished(_ step: StepEvent, outcome: StepOutcome) {}
    func write(_ text: String) { self.text += text }
}
