import PlatLang
import PlatRelease

/// The checks every definition passes before it is stored, and therefore before anything of it reaches nginx.
/// Names, methods, paths, hosts, header names, variables and rates are checked against closed character sets;
/// free text that is rendered (header values, variable values) may not hold `"`, `\`, `$` or control
/// characters, and is written inside double quotes. Descriptions, tags and docs are never rendered.
public enum GatewayValidation {
    public static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"]

    /// `plugins`: the catalogue resources' plugins are checked against (the stdlib's when nil).
    public static func check(_ d: GatewayDefinition, plugins: PluginCatalogue? = nil) throws {
        let catalogue = try plugins ?? PluginCatalogue.standard()
        try name(d.name, what: "gateway")
        var stageNames = Set<String>()
        for s in d.stages {
            try name(s.name, what: "stage")
            let owner = "gateway '\(d.name)' stage '\(s.name)'"
            guard stageNames.insert(s.name).inserted else { throw GatewayError.field(owner, "name", "is used twice") }
            try name(s.env, what: "environment", owner: owner)
            guard EnvironmentClass(name: s.envClass) != nil else {
                throw GatewayError.field(owner, "class", "is '\(s.envClass)'", hint: "one of: test, staging, production")
            }
            for (k, v) in s.variables {
                guard isIdentifier(k) else { throw GatewayError.field(owner, "variable '\(k)'", "is not a name (letters, digits, _)") }
                try text(v, owner: owner, field: "variable '\(k)'")
            }
            for b in s.backends { try host(b, owner: owner) }
            try stageLimits(s, of: d, owner: owner, catalogue: catalogue)
            try s.nginx?.validate(owner: owner)
        }
        var resourceNames = Set<String>()
        var routes = Set<String>()
        for r in d.resources {
            try name(r.name, what: "resource")
            let owner = "resource '\(r.name)'"
            guard resourceNames.insert(r.name).inserted else { throw GatewayError.field(owner, "name", "is used twice") }
            try resource(r, owner: owner)
            try catalogue.check(r, auth: r.auth ?? d.defaultAuth, owner: owner)
            let route = "\(r.method) \(PathPattern(r.path).shape)"
            guard routes.insert(route).inserted else {
                throw GatewayError.field(owner, "path", "\(r.method) \(r.path) is also another resource's route")
            }
            if let e = r.example { try text(e, owner: owner, field: "example", allowQuotes: true) }
            if r.backends.isEmpty, let s = d.stages.first(where: { $0.backends.isEmpty && !$0.isMock }) {
                throw GatewayError.field(owner, "backends", "are empty and stage '\(s.name)' has none either",
                                         hint: "give the resource backends: [{url: \"http://127.0.0.1:8080\"}] or the stage a backend")
            }
        }
    }

    /// A stage's rate limits are rate_limit settings: checked by that plugin as a resource's would be (a
    /// resource's limit with that resource's auth; the stage-wide one on its own), and a name must be a resource.
    static func stageLimits(_ s: GatewayStage, of d: GatewayDefinition, owner: String, catalogue: PluginCatalogue) throws {
        for key in s.limits.keys.sorted() {
            let limitOwner = "\(owner) rate_limits '\(key)'"
            if key == GatewayStage.wholeStage {
                let p = try catalogue.plugin("rate_limit", owner: limitOwner)
                let conf = try p.configure(s.limits[key]!, owner: limitOwner)
                let ctx = PluginLines.context(gateway: d.name, stage: s.name, resource: key, zone: "gw_check", method: "ANY", path: "/", auth: "stage")
                for f in ["init"] + GatewayPlugin.phases { _ = try p.directives(f, conf: conf, ctx: ctx, owner: limitOwner, indent: "") }
                continue
            }
            guard var r = d.resources.first(where: { $0.name == key }) else {
                throw GatewayError.field(owner, "rate_limits '\(key)'", "names no resource of gateway '\(d.name)'",
                                         hint: closestName(to: key, in: d.resources.map(\.name)).map { "did you mean '\($0)'?" } ?? "a resource's name, or '*' for the whole stage")
            }
            r.plugins = ["rate_limit": s.limits[key]!]
            try catalogue.check(r, auth: r.auth ?? d.defaultAuth, owner: limitOwner)
        }
    }

    static func resource(_ r: GatewayResource, owner: String) throws {
        guard methods.contains(r.method) else {
            throw GatewayError.field(owner, "method", "is '\(r.method)'", hint: "one of: " + methods.joined(separator: ", "))
        }
        if let m = r.backendMethod, !methods.contains(m) || m == "ANY" {
            throw GatewayError.field(owner, "backend_method", "is '\(m)'", hint: "one of: " + methods.dropLast().joined(separator: ", "))
        }
        let front = try path(r.path, owner: owner, field: "path")
        if let bp = r.backendPath {
            let back = try path(bp, owner: owner, field: "backend_path")
            for p in back.parameters where !front.parameters.contains(p) {
                throw GatewayError.field(owner, "backend_path", "uses {\(p)}, which the path does not have")
            }
        }
        for b in r.backends { try host(b, owner: owner) }
        guard (1...3600).contains(r.timeout) else { throw GatewayError.field(owner, "timeout", "is \(r.timeout)s", hint: "1 to 3600 seconds") }
        for (k, v) in r.setHeaders {
            try headerName(k, owner: owner, field: "set_headers")
            try text(v, owner: owner, field: "set_headers '\(k)'")
        }
        for k in r.removeHeaders { try headerName(k, owner: owner, field: "remove_headers") }
    }

    static func name(_ s: String, what: String, owner: String? = nil) throws {
        let ok = !s.isEmpty && s.count <= 64 && s.utf8.allSatisfy { c in
            (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 45 || (c >= 65 && c <= 90) || c == 46
        } && s.first != "-" && s.first != "."
        guard ok else {
            throw GatewayError.invalidInput("\(owner.map { $0 + ": " } ?? "")\(what) name '\(s.debugDescription.dropFirst().dropLast())' is not a name",
                                            hint: "letters, digits, '_', '-' and '.', at most 64, not starting with '-' or '.'")
        }
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.utf8.first, f == 95 || (f >= 65 && f <= 90) || (f >= 97 && f <= 122) else { return false }
        return s.utf8.allSatisfy { c in c == 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    }

    /// A path of literal segments (`[A-Za-z0-9._~-]`) and whole-segment `{params}`.
    @discardableResult
    static func path(_ p: String, owner: String, field: String) throws -> PathPattern {
        let hint = "a path such as /orders/{id}: segments of letters, digits, '.', '_', '~', '-', or a whole {param}"
        guard p.hasPrefix("/"), p.count <= 1024 else { throw GatewayError.field(owner, field, "'\(escaped(p))' does not start with '/'", hint: hint) }
        let pattern = PathPattern(p)
        var seen = Set<String>()
        for seg in pattern.segments {
            switch seg {
            case .literal(let l):
                guard l.utf8.allSatisfy({ c in (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 126 || c == 45 }) else {
                    throw GatewayError.field(owner, field, "'\(escaped(p))' has a character a path may not hold in '\(escaped(l))'", hint: hint)
                }
            case .parameter(let n):
                guard isIdentifier(n) else { throw GatewayError.field(owner, field, "'\(escaped(p))' has a parameter that is not a name: {\(escaped(n))}", hint: hint) }
                guard seen.insert(n).inserted else { throw GatewayError.field(owner, field, "'\(escaped(p))' names {\(n)} twice") }
            }
        }
        return pattern
    }

    static func host(_ b: BackendHost, owner: String) throws {
        let hint = "http://HOST[:PORT] or https://HOST[:PORT]: a host name or IPv4 address, nothing after the port"
        let u = b.url
        guard u.hasPrefix("http://") || u.hasPrefix("https://") else { throw GatewayError.field(owner, "backend", "'\(escaped(u))' is not an http(s) URL", hint: hint) }
        let auth = String(u.drop(while: { $0 != "/" }).dropFirst(2))
        let parts = auth.split(separator: ":", omittingEmptySubsequences: false)
        let hostOK = parts.count >= 1 && !parts[0].isEmpty && parts[0].count <= 253 && parts[0].utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 45
        }
        let portOK = parts.count == 1 || (parts.count == 2 && Int(parts[1]).map { (1...65535).contains($0) } == true)
        guard hostOK, portOK else { throw GatewayError.field(owner, "backend", "'\(escaped(u))' is not a host and port", hint: hint) }
        guard (1...100).contains(b.weight) else { throw GatewayError.field(owner, "backend weight", "is \(b.weight) for \(u)", hint: "1 to 100") }
    }

    static func headerName(_ k: String, owner: String, field: String) throws {
        guard !k.isEmpty, k.count <= 128, k.utf8.allSatisfy({ c in (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 }) else {
            throw GatewayError.field(owner, field, "has a header name that is not a token: '\(escaped(k))'", hint: "letters, digits and '-'")
        }
    }

    /// Text written into nginx inside double quotes: no quote, backslash, `$` (variable expansion) or control character.
    /// `allowQuotes`: the text is written escaped (`"` and `\` get a backslash), as examples are.
    static func text(_ v: String, owner: String, field: String, allowQuotes: Bool = false) throws {
        guard v.count <= (allowQuotes ? 65536 : 4096), !v.unicodeScalars.contains(where: {
            (!allowQuotes && ($0 == "\"" || $0 == "\\")) || $0 == "$" || ($0.value < 32 && !(allowQuotes && $0 == "\n")) || $0.value == 127
        }) else {
            throw GatewayError.field(owner, field, "holds a character nginx would interpret: '\(escaped(v))'",
                                     hint: "no quotes, backslashes, '$' or control characters (newline, NUL)")
        }
    }

    /// The text with control characters shown as escapes, for error messages.
    static func escaped(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.flatMap { c -> [Unicode.Scalar] in
            c.value < 32 || c.value == 127 ? Array("\\u{\(String(c.value, radix: 16))}".unicodeScalars) : [c]
        }))
    }
}

/// A resource path split into segments.
public struct PathPattern: Sendable {
    public enum Segment: Hashable, Sendable {
        case literal(String)
        case parameter(String)
    }

    public let segments: [Segment]

    public init(_ path: String) {
        segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { s in
            s.hasPrefix("{") && s.hasSuffix("}") && s.count >= 2 ? .parameter(String(s.dropFirst().dropLast())) : .literal(String(s))
        }
    }

    public var parameters: [String] {
        segments.compactMap { if case .parameter(let n) = $0 { return n } else { return nil } }
    }

    /// The path with every parameter as `{}`: two resources of one method and shape are one route.
    public var shape: String {
        "/" + segments.map { if case .literal(let l) = $0 { return l } else { return "{}" } }.joined(separator: "/")
    }
}
