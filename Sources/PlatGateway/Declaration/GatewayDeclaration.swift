import PlatLang

/// `gateway "shop" { description: ..., default_auth: "app_key", stages: {test: {env: "test", backend: "..."}},
/// resources: {list_orders: {method: "GET", path: "/orders", ...}} }`: a gateway declared in .plat, in the shape
/// of the YAML definition (stages and resources are maps of records, as nested labelled blocks are not part of
/// the language). The resolver checks keys and types with places; `read` checks the rest with the gateway's
/// own validation, and `gateway apply FILE` or `gateway.apply("shop")` in a plan store it.
public enum GatewayDeclaration {
    static let auth = DeclarationValueType.oneOf(AuthMode.allCases.map(\.rawValue))

    static let stage: [DeclarationKey] = [
        DeclarationKey("env", .string, example: "\"test\""),
        DeclarationKey("class", .oneOf(["test", "staging", "production"])),
        DeclarationKey("variables", .map(.string), example: "{region: \"eu\"}"),
        DeclarationKey("backends", .any, example: "[\"http://127.0.0.1:8081\", {url: \"http://127.0.0.1:8082\", weight: 3}]"),
        DeclarationKey("backend", .string, example: "\"http://127.0.0.1:8081\""),
        DeclarationKey("mock", .bool),
        DeclarationKey("nginx", .any, example: "{host: {address: \"10.0.0.5\", user: \"deploy\"}, prefix: \"/srv/platflow-gateway\", listen: \"0.0.0.0:8080\"}"),
        DeclarationKey("rate_limits", .map(.map(.any)), example: "{\"*\": {rate: \"100r/s\", burst: 50}, list_orders: {rate: \"5r/s\"}}"),
    ]

    static let resource: [DeclarationKey] = [
        DeclarationKey("method", .oneOf(GatewayValidation.methods)),
        DeclarationKey("path", .string, required: true, example: "\"/orders/{id}\""),
        DeclarationKey("backend_method", .oneOf(GatewayValidation.methods.filter { $0 != "ANY" })),
        DeclarationKey("backend_path", .string, example: "\"/api/orders/{id}\""),
        DeclarationKey("backends", .any, example: "[\"http://127.0.0.1:8081\"]"),
        DeclarationKey("backend", .string, example: "\"http://127.0.0.1:8081\""),
        DeclarationKey("timeout", .int, example: "5"),
        DeclarationKey("set_headers", .map(.string), example: "{\"X-Gateway\": \"shop\"}"),
        DeclarationKey("remove_headers", .list(.string), example: "[\"Cookie\"]"),
        DeclarationKey("auth", auth),
        DeclarationKey("tags", .list(.string), example: "[\"orders\"]"),
        DeclarationKey("doc", .string, example: "\"List a shop's orders.\""),
        DeclarationKey("plugins", .map(.map(.any)), example: "{rate_limit: {rate: \"10r/s\", burst: 20}}"),
        DeclarationKey("example", .string, example: "\"{\\\"orders\\\": []}\""),
    ]

    public static let spec = DeclarationSpec(keyword: "gateway", keys: .fixed([
        DeclarationKey("description", .string, example: "\"The shop's APIs\""),
        DeclarationKey("maintainers", .list(.string), example: "[\"ana\"]"),
        DeclarationKey("default_auth", auth),
        DeclarationKey("stages", .map(.record(stage)), required: true,
                       missingHint: "stages: {test: {env: \"test\", class: \"test\", backend: \"http://127.0.0.1:8081\"}}"),
        DeclarationKey("resources", .map(.record(resource)), required: true,
                       missingHint: "resources: {list_orders: {method: \"GET\", path: \"/orders\"}}"),
    ]))

    /// Every `gateway` declaration of a file as a definition, checked like an imported file; a problem is a
    /// diagnostic at the entry it is about (the stages or resources entry when it names one, else the label).
    public static func read(_ declarations: [Declaration], file: String) -> (gateways: [GatewayDefinition], problems: [Diagnostic]) {
        var out: [GatewayDefinition] = []
        var problems: [Diagnostic] = []
        for d in declarations where d.kind == spec.kind {
            let m = MapStorage()
            m.set(.string("name"), .string(d.label))
            for e in d.entries { m.set(.string(e.key), e.value) }
            do {
                let def = try GatewayFile.definition(from: .map(m))
                try GatewayValidation.check(def)
                out.append(def)
            } catch let e as GatewayError {
                let text = e.message
                let loc = text.hasPrefix("resource") ? d.entry("resources")?.loc : text.contains("stage '") ? d.entry("stages")?.loc : nil
                problems.append(Diagnostic(message: "gateway \"\(d.label)\": \(text)", location: loc ?? d.labelLoc, hint: e.hint, phase: .resolve))
            } catch {
                problems.append(Diagnostic(message: "gateway \"\(d.label)\": \(error)", location: d.labelLoc, phase: .resolve))
            }
        }
        return (out, problems)
    }
}
