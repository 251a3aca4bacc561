import PlatLang

/// A gateway definition as a YAML/JSON value (what `gateway import` reads and `gateway export` writes), and
/// the subset of OpenAPI 3 that maps onto it (paths and operations → resources).
///
/// ```yaml
/// name: shop
/// description: The shop's APIs
/// maintainers: [ana]
/// default_auth: app_key
/// stages:
///   test: {env: test, class: test, backends: ["http://127.0.0.1:18081"]}
/// resources:
///   list_orders: {method: GET, path: /orders, backend_path: /api/orders, timeout: 5}
/// ```
public enum GatewayFile {
    struct Reader {
        let owner: String
        let map: MapStorage

        init(_ v: Value, owner: String) throws {
            guard case .map(let m) = v else { throw GatewayError.invalidInput("\(owner): expected a map, got \(v.typeName)", hint: nil) }
            self.owner = owner
            self.map = m
        }

        func check(allowed: [String]) throws {
            for (k, _) in map.pairs {
                guard case .string(let s) = k, allowed.contains(s) else {
                    let t = k.printed
                    throw GatewayError.invalidInput("\(owner): unknown key '\(t)'",
                                                    hint: closestName(to: t, in: allowed).map { "did you mean '\($0)'?" } ?? "known: " + allowed.joined(separator: ", "))
                }
            }
        }

        func raw(_ k: String) -> Value? {
            guard let v = map.get(.string(k)), !v.isNil else { return nil }
            return v
        }

        func string(_ k: String) throws -> String? {
            guard let v = raw(k) else { return nil }
            switch v {
            case .string(let s): return s
            case .int(let i): return String(i)
            default: throw GatewayError.field(owner, k, "should be text, got \(v.typeName)")
            }
        }

        func int(_ k: String) throws -> Int? {
            guard let v = raw(k) else { return nil }
            guard case .int(let i) = v else { throw GatewayError.field(owner, k, "should be a whole number, got \(v.typeName)") }
            return i
        }

        func strings(_ k: String) throws -> [String] {
            guard let v = raw(k) else { return [] }
            guard case .list(let xs) = v else { throw GatewayError.field(owner, k, "should be a list, got \(v.typeName)") }
            return try xs.map {
                guard case .string(let s) = $0 else { throw GatewayError.field(owner, k, "should hold text, got \($0.typeName)") }
                return s
            }
        }

        /// `lists`: a list of scalars becomes comma-separated text (plugin settings of type list).
        func textMap(_ k: String, lists: Bool = false) throws -> [String: String] {
            guard let v = raw(k) else { return [:] }
            guard case .map(let m) = v else { throw GatewayError.field(owner, k, "should be a map, got \(v.typeName)") }
            var out: [String: String] = [:]
            for (key, x) in m.pairs {
                switch x {
                case .string(let s): out[key.printed] = s
                case .int, .float, .bool: out[key.printed] = x.printed
                case .list(let items) where lists && items.allSatisfy({ if case .map = $0 { return false }; if case .list = $0 { return false }; return true }):
                    out[key.printed] = items.map { if case .string(let s) = $0 { return s }; return $0.printed }.joined(separator: ", ")
                default: throw GatewayError.field(owner, "\(k).\(key.printed)", "should be text, got \(x.typeName)")
                }
            }
            return out
        }

        /// `["http://a:1", {url: "http://b:2", weight: 3}]` or one URL as text.
        func backends(_ k: String) throws -> [BackendHost] {
            guard let v = raw(k) else { return [] }
            let items: [Value]
            switch v {
            case .string: items = [v]
            case .list(let xs): items = xs
            default: throw GatewayError.field(owner, k, "should be a URL or a list of them, got \(v.typeName)")
            }
            return try items.map { item in
                if case .string(let s) = item { return BackendHost(url: s) }
                let r = try Reader(item, owner: "\(owner) \(k)")
                try r.check(allowed: ["url", "weight"])
                guard let url = try r.string("url") else { throw GatewayError.field(owner, k, "entry has no url") }
                return BackendHost(url: url, weight: try r.int("weight") ?? 1)
            }
        }

        /// `{name: {setting: value}}`: plugin settings per plugin, or rate limits per resource.
        func settingsMap(_ k: String) throws -> [String: [String: String]] {
            var out: [String: [String: String]] = [:]
            for (name, v) in try entries(k) {
                let wrap = MapStorage()
                wrap.set(.string("c"), v)
                out[name] = try Reader(.map(wrap), owner: "\(owner) \(k).\(name)").textMap("c", lists: true)
            }
            return out
        }

        func entries(_ k: String) throws -> [(String, Value)] {
            guard let v = raw(k) else { return [] }
            guard case .map(let m) = v else { throw GatewayError.field(owner, k, "should be a map of name → definition, got \(v.typeName)") }
            return m.pairs.map { ($0.0.printed, $0.1) }
        }
    }

    /// Reads a definition value. Errors name the gateway, stage or resource and the field.
    public static func definition(from v: Value) throws -> GatewayDefinition {
        let top = try Reader(v, owner: "gateway")
        if top.raw("openapi") != nil { return try openAPI(v) }
        try top.check(allowed: ["name", "description", "maintainers", "default_auth", "stages", "resources"])
        guard let name = try top.string("name") else { throw GatewayError.invalidInput("gateway: 'name' is required", hint: "name: shop") }
        let owner = "gateway '\(name)'"
        let g = try Reader(v, owner: owner)
        let auth = try authMode(try g.string("default_auth") ?? "none", owner: owner, field: "default_auth")
        var d = GatewayDefinition(name: name, description: try g.string("description") ?? "", maintainers: try g.strings("maintainers"),
                                  defaultAuth: auth)
        for (sn, sv) in try g.entries("stages") {
            let r = try Reader(sv, owner: "\(owner) stage '\(sn)'")
            try r.check(allowed: ["env", "class", "variables", "backends", "backend", "mock", "rate_limits", "nginx"])
            var mock = false
            if let m = r.raw("mock") {
                guard case .bool(let b) = m else { throw GatewayError.field("\(owner) stage '\(sn)'", "mock", "should be true or false, got \(m.typeName)") }
                mock = b
            }
            d.stages.append(GatewayStage(name: sn, env: try r.string("env"), envClass: try r.string("class") ?? "test",
                                         variables: try r.textMap("variables"), backends: try r.backends("backends") + r.backends("backend"), mock: mock,
                                         rateLimits: try r.settingsMap("rate_limits"), nginx: try stageNginx(r)))
        }
        for (rn, rv) in try g.entries("resources") {
            d.resources.append(try resource(rn, rv))
        }
        return d
    }

    /// A stage's `nginx: {host: {...}, prefix: ..., listen: ...}`.
    static func stageNginx(_ stage: Reader) throws -> StageNginx? {
        guard let v = stage.raw("nginx") else { return nil }
        let n = try Reader(v, owner: "\(stage.owner) nginx")
        try n.check(allowed: ["host", "prefix", "listen", "binary", "modules"])
        guard let prefix = try n.string("prefix") else { throw GatewayError.field(stage.owner, "nginx.prefix", "is required", hint: "prefix: /srv/platflow-gateway") }
        guard let listen = try n.string("listen") else { throw GatewayError.field(stage.owner, "nginx.listen", "is required", hint: "listen: \"0.0.0.0:8080\"") }
        return StageNginx(host: try n.textMap("host"), prefix: prefix, listen: listen, binary: try n.string("binary"), modules: try n.string("modules"))
    }

    static let resourceKeys = ["method", "path", "backend_method", "backend_path", "backends", "backend", "timeout", "set_headers",
                               "remove_headers", "auth", "tags", "doc", "plugins", "example"]

    static func resource(_ name: String, _ v: Value) throws -> GatewayResource {
        let owner = "resource '\(name)'"
        let r = try Reader(v, owner: owner)
        try r.check(allowed: resourceKeys)
        guard let path = try r.string("path") else { throw GatewayError.field(owner, "path", "is required", hint: "path: /orders/{id}") }
        let plugins = try r.settingsMap("plugins")
        return GatewayResource(
            name: name, method: (try r.string("method") ?? "GET").uppercased(), path: path,
            backendMethod: try r.string("backend_method")?.uppercased(), backendPath: try r.string("backend_path"),
            backends: try r.backends("backends") + r.backends("backend"), timeout: try r.int("timeout") ?? 30,
            setHeaders: try r.textMap("set_headers"), removeHeaders: try r.strings("remove_headers"),
            auth: try r.string("auth").map { try authMode($0, owner: owner, field: "auth") },
            tags: try r.strings("tags"), doc: try r.string("doc") ?? "", plugins: plugins, example: try r.string("example"))
    }

    static func authMode(_ s: String, owner: String, field: String) throws -> AuthMode {
        guard let a = AuthMode(rawValue: s) else {
            throw GatewayError.field(owner, field, "is '\(s)'", hint: "one of: none, app_key, both")
        }
        return a
    }

    /// OpenAPI 3: `info.title` (or `x-platflow-gateway`) names the gateway, `servers` become one test stage's
    /// backends, each operation becomes a resource named by its `operationId` (else METHOD_path), `summary` its
    /// doc, `tags` its tags; `security` present → app_key.
    static func openAPI(_ v: Value) throws -> GatewayDefinition {
        let top = try Reader(v, owner: "openapi")
        let info = try top.raw("info").map { try Reader($0, owner: "openapi info") }
        guard let name = try top.string("x-platflow-gateway") ?? info?.string("title").map(slug) else {
            throw GatewayError.invalidInput("openapi: info.title is required", hint: "or x-platflow-gateway: NAME")
        }
        var d = GatewayDefinition(name: name, description: try info?.string("description") ?? "")
        var hosts: [BackendHost] = []
        if case .list(let servers)? = top.raw("servers") {
            for s in servers { if let u = try Reader(s, owner: "openapi servers").string("url") { hosts.append(BackendHost(url: u)) } }
        }
        d.stages = [GatewayStage(name: "test", envClass: "test", backends: hosts)]
        for (path, item) in try top.entries("paths") {
            let p = try Reader(item, owner: "openapi path '\(path)'")
            for (m, op) in p.map.pairs {
                let method = m.printed.uppercased()
                guard GatewayValidation.methods.contains(method) else { continue }
                let o = try Reader(op, owner: "openapi \(method) \(path)")
                let name = try o.string("operationId") ?? slug(method.lowercased() + path)
                // The first 2xx answer's JSON example becomes the resource's example (what a mock stage answers).
                var example: String?
                if case .map(let responses)? = o.raw("responses") {
                    for (code, resp) in responses.pairs where code.printed.hasPrefix("2") {
                        if case .map(let r) = resp, case .map(let content)? = r.get(.string("content")),
                           case .map(let json)? = content.get(.string("application/json")), let e = json.get(.string("example")), !e.isNil {
                            example = try? JSON.encode(e)
                            break
                        }
                    }
                }
                d.resources.append(GatewayResource(name: name, method: method, path: path, auth: o.raw("security") == nil ? nil : .appKey,
                                                   tags: try o.strings("tags"), doc: try o.string("summary") ?? "", example: example))
            }
        }
        return d
    }

    static func slug(_ s: String) -> String {
        var out = ""
        for c in s.lowercased() {
            if c.isLetter && c.isASCII || c.isNumber && c.isASCII { out.append(c) } else if !out.hasSuffix("_") { out.append("_") }
        }
        return String(out.trimmingCharacters(in: ["_"]).prefix(64))
    }

    /// The definition as a value in the import format; `definition(from: value(d)) == d`.
    public static func value(_ d: GatewayDefinition) -> Value {
        func map(_ pairs: [(String, Value)]) -> Value {
            let m = MapStorage()
            for (k, v) in pairs { m.set(.string(k), v) }
            return .map(m)
        }
        func texts(_ m: [String: String]) -> Value { map(m.keys.sorted().map { ($0, .string(m[$0]!)) }) }
        func hosts(_ hs: [BackendHost]) -> Value { .list(hs.map { map([("url", .string($0.url)), ("weight", .int($0.weight))]) }) }
        var top: [(String, Value)] = [("name", .string(d.name))]
        if !d.description.isEmpty { top.append(("description", .string(d.description))) }
        if !d.maintainers.isEmpty { top.append(("maintainers", .list(d.maintainers.map { .string($0) }))) }
        top.append(("default_auth", .string(d.defaultAuth.rawValue)))
        top.append(("stages", map(d.stages.map { s in
            var p: [(String, Value)] = [("env", .string(s.env)), ("class", .string(s.envClass))]
            if !s.variables.isEmpty { p.append(("variables", texts(s.variables))) }
            if !s.backends.isEmpty { p.append(("backends", hosts(s.backends))) }
            if s.isMock { p.append(("mock", .bool(true))) }
            if !s.limits.isEmpty { p.append(("rate_limits", map(s.limits.keys.sorted().map { ($0, texts(s.limits[$0]!)) }))) }
            if let n = s.nginx {
                var np: [(String, Value)] = [("host", texts(n.host)), ("prefix", .string(n.prefix)), ("listen", .string(n.listen))]
                if let b = n.binary { np.append(("binary", .string(b))) }
                if let m = n.modules { np.append(("modules", .string(m))) }
                p.append(("nginx", map(np)))
            }
            return (s.name, map(p))
        })))
        top.append(("resources", map(d.resources.map { r in
            var p: [(String, Value)] = [("method", .string(r.method)), ("path", .string(r.path))]
            if let m = r.backendMethod { p.append(("backend_method", .string(m))) }
            if let bp = r.backendPath { p.append(("backend_path", .string(bp))) }
            if !r.backends.isEmpty { p.append(("backends", hosts(r.backends))) }
            p.append(("timeout", .int(r.timeout)))
            if !r.setHeaders.isEmpty { p.append(("set_headers", texts(r.setHeaders))) }
            if !r.removeHeaders.isEmpty { p.append(("remove_headers", .list(r.removeHeaders.map { .string($0) }))) }
            if let a = r.auth { p.append(("auth", .string(a.rawValue))) }
            if !r.tags.isEmpty { p.append(("tags", .list(r.tags.map { .string($0) }))) }
            if !r.doc.isEmpty { p.append(("doc", .string(r.doc))) }
            if let e = r.example { p.append(("example", .string(e))) }
            if !r.plugins.isEmpty { p.append(("plugins", map(r.plugins.keys.sorted().map { ($0, texts(r.plugins[$0]!)) }))) }
            return (r.name, map(p))
        })))
        return map(top)
    }
}
