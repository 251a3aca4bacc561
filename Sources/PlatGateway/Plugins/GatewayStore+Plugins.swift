import Foundation
import PlatLang

/// Installed plugins (`gateway plugin install PATH`) and turning plugins on and off on resources.
extension GatewayStore {
    /// The stdlib catalogue with the installed plugins.
    public func pluginCatalogue() throws -> PluginCatalogue {
        try PluginCatalogue.with(installed: try db.query("SELECT * FROM gateway_plugins ORDER BY name").map {
            try GatewayPlugin.load(source: $0.string("source") ?? "", path: $0.string("origin") ?? "", origin: $0.string("origin") ?? "")
        })
    }

    /// Installs (or upgrades) the plugin in `path`: it must load and follow the contract. A plugin of the same
    /// name is replaced; a stdlib plugin of that name is shadowed.
    @discardableResult
    public func installPlugin(path: String) throws -> GatewayPlugin {
        let url = URL(fileURLWithPath: path)
        guard let source = try? String(contentsOf: url, encoding: .utf8) else {
            throw GatewayError.invalidInput("cannot read \(path)", hint: "give the path of a plugin's .plat file")
        }
        let p = try GatewayPlugin.load(source: source, path: url.standardizedFileURL.path, origin: url.standardizedFileURL.path)
        try db.execute("""
            INSERT INTO gateway_plugins (name, version, source, origin, installed_by, installed_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET version = excluded.version, source = excluded.source, origin = excluded.origin,
                installed_by = excluded.installed_by, installed_at = excluded.installed_at
            """, p.name, p.version, source, p.origin, actor, clock())
        return p
    }

    /// Turns `plugin` on for a resource of the gateway's definition with `settings` (text values, checked
    /// against its schema), or off (`settings` nil). The definition changes; a new version carries it.
    public func setPlugin(gateway: String, resource: String, plugin: String, settings: [String: String]?) throws {
        var d = try definition(gateway)
        guard let i = d.resources.firstIndex(where: { $0.name == resource }) else {
            throw GatewayError.invalidInput("gateway '\(gateway)' has no resource '\(resource)'",
                                            hint: closestName(to: resource, in: d.resources.map(\.name)).map { "did you mean '\($0)'?" })
        }
        if plugin == PluginCatalogue.appKeyPlugin && d.resources[i].plugins[plugin] == nil {
            // App-key auth is on where the resource's auth asks for a key: turning the plugin on or off sets it.
            let mode = settings.map { $0["mode"] ?? AuthMode.appKey.rawValue } ?? AuthMode.none.rawValue
            guard let auth = AuthMode(rawValue: mode), settings == nil || auth != .none, (settings ?? [:]).keys.allSatisfy({ $0 == "mode" }) else {
                throw GatewayError.field("resource '\(resource)'", "plugins.app_key", "takes only mode=app_key or mode=both", hint: "disable it to set auth none")
            }
            d.resources[i].auth = auth
            try put(d)
            return
        }
        if let settings {
            _ = try pluginCatalogue().plugin(plugin, owner: "resource '\(resource)'")
            d.resources[i].plugins[plugin] = settings
        } else {
            guard d.resources[i].plugins[plugin] != nil else {
                throw GatewayError.invalidInput("resource '\(resource)' does not use plugin '\(plugin)'",
                                                hint: d.resources[i].plugins.isEmpty ? "it uses none" : "it uses: " + d.resources[i].plugins.keys.sorted().joined(separator: ", "))
            }
            d.resources[i].plugins[plugin] = nil
        }
        try put(d)
    }
}

/// A stage's own rate limits (docs/gateway.md, "Rate limits per stage").
extension GatewayStore {
    /// Sets (or with `settings` nil removes) the limit of `stage` for `resource`, or for the whole stage when
    /// `resource` is `*`. Stages are configuration: the change applies at the stage's next publish or rollback.
    public func setStageRateLimit(gateway: String, stage: String, resource: String, settings: [String: String]?) throws {
        var d = try definition(gateway)
        guard let i = d.stages.firstIndex(where: { $0.name == stage }) else {
            throw GatewayError.invalidInput("gateway '\(gateway)' has no stage '\(stage)'",
                                            hint: closestName(to: stage, in: d.stages.map(\.name)).map { "did you mean '\($0)'?" } ?? "stages: " + d.stages.map(\.name).joined(separator: ", "))
        }
        var limits = d.stages[i].limits
        if settings == nil && limits[resource] == nil {
            throw GatewayError.invalidInput("stage '\(stage)' of gateway '\(gateway)' has no rate limit for '\(resource)'",
                                            hint: limits.isEmpty ? "it has none" : "it has limits for: " + limits.keys.sorted().joined(separator: ", "))
        }
        limits[resource] = settings
        d.stages[i].rateLimits = limits.isEmpty ? nil : limits
        try put(d)
    }
}
