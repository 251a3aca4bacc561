import PlatLang

/// `chart "web" { version: "0.3.1", description: "...", app_version: "1.36" }` at the top of chart.plat: the
/// chart's name (the label) and metadata. The resolver checks the keys and their types; `ChartMetadata` checks
/// what only charts know (a DNS-1123 name, a SemVer version) with the place of each entry.
public enum ChartDeclaration {
    public static let spec = DeclarationSpec(keyword: "chart", keys: .fixed([
        DeclarationKey("version", .string, required: true, example: "\"0.1.0\"",
                       missingHint: "version: \"0.1.0\" (the chart's own SemVer version)"),
        DeclarationKey("description", .string, example: "\"A web server behind a Service\""),
        DeclarationKey("app_version", .string, example: "\"1.36\""),
        DeclarationKey("keywords", .list(.string), example: "[\"web\", \"http\"]"),
    ]))
}

/// A chart's name and metadata, as chart.plat declares them; `render` receives them as the map `chart`.
public struct ChartMetadata: Equatable, Sendable {
    public var name: String
    public var version: String
    public var description: String
    public var appVersion: String?
    public var keywords: [String]

    /// `{name, version, description, app_version, keywords}`; app_version is nil when not declared.
    public var value: Value {
        .makeMap([("name", .string(name)), ("version", .string(version)), ("description", .string(description)),
                  ("app_version", appVersion.map { .string($0) } ?? .null),
                  ("keywords", .list(keywords.map { .string($0) }))])
    }

    /// The metadata of the one `chart` declaration of `module`, checked. Errors point into chart.plat.
    static func read(from module: CompiledModule, file: String) throws -> ChartMetadata {
        let charts = module.declarations.filter { $0.kind == "chart" }
        guard let decl = charts.first else {
            throw ContainerInputError("\(file) declares no chart",
                             hint: "start it with: chart \"web\" { version: \"0.1.0\", description: \"...\" }")
        }
        if charts.count > 1 {
            throw located("a chart.plat declares one chart; \(file) declares \(charts.count)", at: charts[1].loc,
                          hint: "make each chart a folder of its own")
        }
        if let problem = KubernetesNames.dns1123Label(decl.label) {
            throw located("chart name \"\(decl.label)\" \(problem)", at: decl.labelLoc,
                          hint: "chart names are used in resource names: lower-case letters, digits and '-'")
        }
        guard case .string(let version)? = decl.entry("version")?.value else {
            throw located("chart \"\(decl.label)\" needs a version", at: decl.loc, hint: "version: \"0.1.0\"")
        }
        if (try? SemanticVersion(parsing: version)) == nil {
            throw located("chart version \"\(version)\" is not a SemVer 2.0 version", at: decl.entry("version")!.loc,
                          hint: "write it as MAJOR.MINOR.PATCH, e.g. \"0.1.0\"")
        }
        var meta = ChartMetadata(name: decl.label, version: version, description: "", appVersion: nil, keywords: [])
        if case .string(let d)? = decl.entry("description")?.value { meta.description = d }
        if case .string(let a)? = decl.entry("app_version")?.value { meta.appVersion = a }
        if case .list(let ks)? = decl.entry("keywords")?.value {
            meta.keywords = ks.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        }
        return meta
    }

    /// An error at a place in chart.plat, shown like the interpreter's own (source line and caret).
    static func located(_ message: String, at loc: SourceLoc, hint: String? = nil) -> ContainerInputError {
        ContainerInputError(Diagnostic(message: message, location: loc, hint: hint, phase: .resolve))
    }
}
