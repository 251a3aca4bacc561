import Foundation
import PlatLang

/// The plugins a gateway may use: the stdlib catalogue and those installed into the database
/// (`gateway plugin install PATH`), by name; an installed plugin may replace a stdlib one of the same name.
public final class PluginCatalogue {
    public private(set) var plugins: [String: GatewayPlugin] = [:]

    public init(_ plugins: [GatewayPlugin] = []) {
        for p in plugins { self.plugins[p.name] = p }
    }

    /// The stdlib catalogue, loaded once per process (its files are fixed).
    nonisolated(unsafe) static var cachedStandard: PluginCatalogue?
    static let lock = NSLock()

    public static func standard() throws -> PluginCatalogue {
        lock.lock()
        defer { lock.unlock() }
        if let c = cachedStandard { return c }
        let c = PluginCatalogue(try stdlibSources.map { try GatewayPlugin.load(source: $0.text, path: "stdlib/gateway/\($0.file)", origin: "stdlib") })
        cachedStandard = c
        return c
    }

    /// The stdlib catalogue with `installed` added (and replacing stdlib plugins of the same name).
    public static func with(installed: [GatewayPlugin]) throws -> PluginCatalogue {
        let c = PluginCatalogue(Array(try standard().plugins.values))
        for p in installed { c.plugins[p.name] = p }
        return c
    }

    public var names: [String] { plugins.keys.sorted() }

    /// The plugin `name`, or bad input naming the resource and the field.
    public func plugin(_ name: String, owner: String) throws -> GatewayPlugin {
        guard let p = plugins[name] else {
            throw GatewayError.field(owner, "plugins", "names an unknown plugin '\(name)'",
                                     hint: closestName(to: name, in: names).map { "did you mean '\($0)'?" } ?? "known: " + names.joined(separator: ", "))
        }
        return p
    }

    /// Checks every plugin setting of a resource (schema and check_schema), then runs its functions once with
    /// a stand-in context, so a plugin that refuses the resource (`fail(...)` in init) or returns something
    /// that is not a directive is bad input when the definition is stored, not when it is published.
    public func check(_ r: GatewayResource, auth: AuthMode, owner: String) throws {
        let ctx = Value.makeMap([("gateway", .string("gateway")), ("stage", .string("stage")), ("resource", .string(r.name)),
                                 ("zone", .string("gw_check")), ("method", .string(r.method)), ("path", .string(r.path)), ("auth", .string(auth.rawValue))])
        for name in r.plugins.keys.sorted() {
            let p = try plugin(name, owner: owner)
            let conf = try p.configure(r.plugins[name]!, owner: owner)
            for f in ["init"] + GatewayPlugin.phases { _ = try p.directives(f, conf: conf, ctx: ctx, owner: owner, indent: "") }
        }
    }

    /// The plugins a resource runs on `stage`: its own, with the stage's limit in place of its rate_limit, and
    /// `app_key` when its auth asks for a key (app-key auth is that plugin: ordered by its priority like any
    /// other, and replaced by an installed plugin of that name).
    public static func effective(_ r: GatewayResource, auth: AuthMode, stage: GatewayStage?) -> [String: [String: String]] {
        var p = stage?.plugins(of: r) ?? r.plugins
        if auth != .none && p[appKeyPlugin] == nil { p[appKeyPlugin] = [:] }
        return p
    }

    /// The plugin that checks consumers' keys, on for resources with auth app_key or both.
    public static let appKeyPlugin = "app_key"

    /// The resource's plugins in the order their directives are written: phase first (rewrite, access, log),
    /// then priority (higher first), then name. A plugin appears once per phase it has.
    public func order(_ r: GatewayResource, owner: String) throws -> [(phase: String, plugin: GatewayPlugin)] {
        let ps = try r.plugins.keys.map { try plugin($0, owner: owner) }
        return GatewayPlugin.phases.flatMap { phase in
            ps.filter { $0.phases.contains(phase) }.sorted { ($1.priority, $0.name) < ($0.priority, $1.name) }.map { (phase, $0) }
        }
    }
}

/// What plugins render for one resource of one stage: http-level lines (from `init`) and location lines per
/// phase, worked out before the (pure, non-throwing) renderer writes them in place.
public struct PluginLines: Sendable {
    public var http: [String] = []
    public var phases: [String: [String]] = [:]
    /// Lua blocks by nginx Lua phase (`LuaChunk.phases`), in plugin order.
    public var lua: [String: [LuaChunk]] = [:]

    public init() {}

    /// Runs the plugins of every resource of every stage (with the stage's rate limits in place of the
    /// resources' own, `GatewayStage.plugins(of:)`); a plugin that fails names the resource. A stage-wide limit
    /// (`*`) runs the rate_limit plugin once more per resource on one zone named for the stage: its `init`
    /// lines are keyed by that zone's name, its access lines follow each resource's own (a line the resource
    /// already has, such as `limit_req_status 429;`, is not written twice: nginx refuses duplicates).
    public static func compute(_ stages: [ServedStage], catalogue: PluginCatalogue) throws -> [String: PluginLines] {
        var out: [String: PluginLines] = [:]
        for s in stages where !s.stage.isMock {
            let g = s.gateway.name, st = s.stage.name
            var wide: (plugin: GatewayPlugin, conf: Value, ctx: Value)?
            if let settings = s.stage.limits[GatewayStage.wholeStage] {
                let owner = "gateway '\(g)' stage '\(st)' rate_limits '*'"
                let p = try catalogue.plugin("rate_limit", owner: owner)
                let zone = NginxRenderer.name(g, st, GatewayStage.wholeStage)
                let ctx = context(gateway: g, stage: st, resource: GatewayStage.wholeStage, zone: zone, method: "ANY", path: "/", auth: "stage")
                let conf = try p.configure(settings, owner: owner)
                var lines = PluginLines()
                lines.http = try p.directives("init", conf: conf, ctx: ctx, owner: owner, indent: "")
                out[zone] = lines
                wide = (p, conf, ctx)
            }
            for original in s.version.resources where !s.offline.contains(original.name) {
                var r = original
                r.plugins = PluginCatalogue.effective(original, auth: s.version.auth(of: original), stage: s.stage)
                guard !r.plugins.isEmpty || wide != nil else { continue }
                let owner = "resource '\(r.name)'"
                let zone = NginxRenderer.name(g, st, r.name)
                let ctx = context(gateway: g, stage: st, resource: r.name, zone: zone, method: r.method, path: r.path,
                                  auth: s.version.auth(of: r).rawValue)
                var lines = PluginLines()
                let ordered = try catalogue.order(r, owner: owner)
                var confs: [String: Value] = [:]
                for name in r.plugins.keys.sorted() {
                    let p = try catalogue.plugin(name, owner: owner)
                    let conf = try p.configure(r.plugins[name]!, owner: owner)
                    confs[name] = conf
                    if p.hasInit { lines.http += try p.directives("init", conf: conf, ctx: ctx, owner: owner, indent: "") }
                }
                for (phase, p) in ordered {
                    let given = try p.output(phase, conf: confs[p.name]!, ctx: ctx, owner: owner, indent: "        ")
                    lines.phases[phase, default: []] += given.lines
                    for c in given.lua { lines.lua[c.phase, default: []].append(c) }
                }
                if let wide {
                    let have = Set(lines.phases["access"] ?? [])
                    let extra = try wide.plugin.directives("access", conf: wide.conf, ctx: wide.ctx, owner: owner, indent: "        ")
                    lines.phases["access", default: []] += extra.filter { !have.contains($0) }
                }
                out[zone] = lines
            }
        }
        return out
    }

    static func context(gateway: String, stage: String, resource: String, zone: String, method: String, path: String, auth: String) -> Value {
        Value.makeMap([("gateway", .string(gateway)), ("stage", .string(stage)), ("resource", .string(resource)),
                       ("zone", .string(zone)), ("method", .string(method)), ("path", .string(path)), ("auth", .string(auth))])
    }
}
