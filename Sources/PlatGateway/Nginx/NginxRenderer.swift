/// Renders what the stages serve as nginx configuration: a pure function of the model (no I/O, no clock), the
/// text to be included inside `http { }`. Layout (docs/gateway.md):
///
/// - per stage, `limit_req_zone`s and `upstream`s named `gw_<gateway>_<stage>_<resource>` (names encoded so any
///   valid model name gives a valid, distinct nginx name), then one `server` with `server_name STAGE.GATEWAY`;
/// - per path shape, one regex location with the `{params}` as named captures `$gw_<param>`, dispatching on the
///   method with `rewrite ... last` to an `internal` exact location per resource (other methods: 405);
/// - per resource, that internal location: auth, rate limit, offline answer, header set/remove, `proxy_pass`
///   with the backend path and its params, the timeouts;
/// - `/__platflow/release` answers `RELEASE_ID VERSION`, so a probe can tell the new configuration is live.
///
/// Every value written comes from a validated model (`GatewayValidation`); free text is in double quotes and
/// can hold no quote, backslash, `$` or control character.
public enum NginxRenderer {
    /// The header a consumer's key travels in.
    public static let appKeyHeader = "X-Api-Key"
    /// What an offline resource answers.
    public static let offlineStatus = 503

    /// Renders with the stdlib plugins. A plugin that fails leaves a line nginx refuses (`nginx -t` fails, so
    /// nothing half-rendered is ever served); publishing uses the throwing form, which names the resource.
    public static func render(_ stages: [ServedStage], consumers: ConsumerTable = .empty, listen: String) -> String {
        do { return try render(stages, consumers: consumers, catalogue: try PluginCatalogue.standard(), listen: listen) } catch {
            return "# platflow: a plugin failed: \((error as? GatewayError)?.message ?? "\(error)")\nplatflow_plugin_failed;\n"
        }
    }

    /// Runs the resources' plugins from `catalogue`, then renders.
    public static func render(_ stages: [ServedStage], consumers: ConsumerTable = .empty, catalogue: PluginCatalogue, listen: String) throws -> String {
        render(stages, consumers: consumers, plugins: try PluginLines.compute(stages, catalogue: catalogue), listen: listen)
    }

    /// The pure renderer: `plugins` are the lines plugins gave per resource (keyed by its upstream name).
    public static func render(_ stages: [ServedStage], consumers: ConsumerTable, plugins: [String: PluginLines], listen: String) -> String {
        var out = "# Rendered by platflow from the gateway model; edits here are overwritten on the next publish.\n"
        // The maps use variables only resource locations with auth set, so they exist only alongside one.
        // A limit counted per consumer (a stage-wide one may be) uses them too.
        if stages.contains(where: { s in !s.stage.isMock && s.version.resources.contains { s.version.auth(of: $0) != .none && !s.offline.contains($0.name) } })
            || plugins.values.contains(where: { $0.http.contains { $0.contains("$gw_key_") } }) {
            out += "\n" + renderConsumers(consumers)
        }
        let luaInit = renderLuaInit(plugins)
        if !luaInit.isEmpty { out += "\n" + luaInit }
        for s in stages.sorted(by: { ($0.gateway.name, $0.stage.name) < ($1.gateway.name, $1.stage.name) }) {
            out += "\n" + renderStage(s, consumers: consumers, plugins: plugins, listen: listen)
        }
        return out
    }

    static func renderStage(_ s: ServedStage, consumers: ConsumerTable, plugins: [String: PluginLines], listen: String) -> String {
        let g = s.gateway.name, st = s.stage.name
        let resources = s.version.resources.sorted { $0.name < $1.name }
        var out = "# gateway \(g), stage \(st) (\(s.stage.env), \(s.stage.envClass)): version \(s.version.version), release \(s.releaseID)\n"
        for line in plugins[name(g, st, GatewayStage.wholeStage)]?.http ?? [] { out += line + "\n" }
        for r in resources {
            for line in plugins[name(g, st, r.name)]?.http ?? [] { out += line + "\n" }
        }
        for r in resources where !s.stage.isMock {
            let hosts = r.backends.isEmpty ? s.stage.backends : r.backends
            out += "upstream \(name(g, st, r.name)) {\n"
            for h in hosts { out += "    server \(h.authority) weight=\(h.weight);\n" }
            out += "}\n"
        }
        out += "server {\n"
        out += "    listen \(listen);\n"
        out += "    server_name \(st).\(g);\n"
        out += "    default_type application/json;\n"
        out += "    location = /__platflow/release {\n        return 200 \"\(s.releaseID) \(s.version.version)\\n\";\n    }\n"
        out += "    location = /__platflow/consumers {\n        return 200 \"\(consumers.revision)\\n\";\n    }\n"
        // One regex location per path shape, resources of that shape dispatched by method.
        var shapes: [String: [GatewayResource]] = [:]
        var order: [String] = []
        for r in resources {
            let key = PathPattern(r.path).shape
            if shapes[key] == nil { order.append(key) }
            shapes[key, default: []].append(r)
        }
        for key in order.sorted() {
            let group = shapes[key]!
            out += "    location ~ \"\(regex(group[0].path))\" {\n"
            if !PathPattern(group[0].path).parameters.isEmpty {
                // Locations match the decoded path; the backend must get parameters as the caller encoded them
                // (a decoded space or slash would break or change its request), so they are taken again from
                // the raw request line. A raw path of another shape (dot segments, encoded slashes) is refused.
                out += "        if ($request_uri !~ \"\(rawRegex(group[0].path))\") { return 400 '{\"error\":\"path not in normal form\"}'; }\n"
            }
            for r in group.sorted(by: { ($0.method == "ANY" ? 1 : 0, $0.method) < ($1.method == "ANY" ? 1 : 0, $1.method) }) {
                let target = "/@gw/\(r.name)"
                if r.method == "ANY" {
                    out += "        rewrite ^ \(target) last;\n"
                } else {
                    out += "        if ($request_method = \(r.method)) { rewrite ^ \(target) last; }\n"
                }
            }
            // A CORS preflight (OPTIONS) on a path no OPTIONS or ANY resource takes goes to the resource of that
            // path with the cors plugin, whose rewrite phase answers it before any key check.
            if !group.contains(where: { $0.method == "ANY" || $0.method == "OPTIONS" }),
               let cors = group.sorted(by: { $0.name < $1.name }).first(where: { $0.plugins["cors"] != nil }), !s.stage.isMock {
                out += "        if ($request_method = OPTIONS) { rewrite ^ /@gw/\(cors.name) last; }\n"
            }
            out += "        return 405 '{\"error\":\"method not allowed\"}';\n"
            out += "    }\n"
        }
        for r in resources { out += renderResource(r, s, plugins: plugins[name(g, st, r.name)] ?? PluginLines(), consumers: consumers) }
        out += "    location / {\n        return 404 '{\"error\":\"no such resource\"}';\n    }\n"
        out += "}\n"
        return out
    }

    static func renderResource(_ r: GatewayResource, _ s: ServedStage, plugins: PluginLines, consumers: ConsumerTable = .empty) -> String {
        let g = s.gateway.name, st = s.stage.name
        var out = "    location = /@gw/\(r.name) {\n        internal;\n"
        if s.stage.isMock {
            // A mock stage answers the documented example from nginx; nothing else of the resource applies.
            if let e = r.example {
                let body = e.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
                out += "        return 200 \"\(body)\";\n    }\n"
            } else {
                out += "        return 501 '{\"error\":\"no example documented\",\"resource\":\"\(r.name)\"}';\n    }\n"
            }
            return out
        }
        if s.offline.contains(r.name) {
            out += "        return \(offlineStatus) '{\"error\":\"offline\",\"resource\":\"\(r.name)\"}';\n    }\n"
            return out
        }
        // Plugins' rewrite phase (the app_key plugin's key check among them), their access phase; the log phase
        // after the proxy settings.
        for line in plugins.phases["rewrite"] ?? [] { out += line + "\n" }
        for line in plugins.phases["access"] ?? [] { out += line + "\n" }
        if s.version.auth(of: r) != .none {
            out += renderConsumerLimitCalls(consumers.limits, gateway: g, resource: r.name, pluginLines: plugins.phases["access"] ?? [])
        }
        let hosts = r.backends.isEmpty ? s.stage.backends : r.backends
        let scheme = hosts.first?.scheme ?? "http"
        out += "        proxy_http_version 1.1;\n"
        if let m = r.backendMethod, m != r.method { out += "        proxy_method \(m);\n" }
        out += "        proxy_set_header Host $proxy_host;\n"
        out += "        proxy_set_header Connection \"\";\n"
        for k in r.setHeaders.keys.sorted() { out += "        proxy_set_header \(k) \"\(r.setHeaders[k]!)\";\n" }
        for k in r.removeHeaders.sorted() { out += "        proxy_set_header \(k) \"\";\n" }
        out += "        proxy_connect_timeout \(r.timeout)s;\n"
        out += "        proxy_send_timeout \(r.timeout)s;\n"
        out += "        proxy_read_timeout \(r.timeout)s;\n"
        out += "        proxy_pass \(scheme)://\(name(g, st, r.name))\(backendURI(r))$is_args$args;\n"
        for line in plugins.phases["log"] ?? [] { out += line + "\n" }
        out += renderLuaCalls(plugins, zone: name(g, st, r.name))
        out += "    }\n"
        return out
    }

    /// `^/orders/(?<gw_id>[^/]+)$`: literal segments with `.` escaped, parameters as named captures.
    static func regex(_ path: String) -> String {
        "^/" + PathPattern(path).segments.map { seg -> String in
            switch seg {
            case .literal(let l): return l.replacingOccurrences(of: ".", with: "\\.")
            case .parameter(let p): return "(?<gw_\(p)>[^/]+)"
            }
        }.joined(separator: "/") + "$"
    }

    /// The same shape against `$request_uri` (still encoded, query string included).
    static func rawRegex(_ path: String) -> String {
        "^/" + PathPattern(path).segments.map { seg -> String in
            switch seg {
            case .literal(let l): return l.replacingOccurrences(of: ".", with: "\\.")
            case .parameter(let p): return "(?<gw_\(p)>[^/?]+)"
            }
        }.joined(separator: "/") + "(?:[?]|$)"
    }

    /// The backend path with its `{params}` as the captured variables.
    static func backendURI(_ r: GatewayResource) -> String {
        "/" + PathPattern(r.backendPath ?? r.path).segments.map { seg -> String in
            switch seg {
            case .literal(let l): return l
            case .parameter(let p): return "${gw_\(p)}"
            }
        }.joined(separator: "/")
    }

    /// A stable nginx name for a zone or upstream: `gw_` and the three names, letters and digits kept, any
    /// other byte as `_XX` (hex), parts joined by `__`, so distinct model names never share an nginx name.
    public static func name(_ gateway: String, _ stage: String, _ resource: String) -> String {
        "gw_" + [gateway, stage, resource].map(encode).joined(separator: "__")
    }

    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) { out.append(Character(Unicode.Scalar(b))) }
            else { out += "_" + String(b, radix: 16, uppercase: true) }
        }
        return out
    }
}
