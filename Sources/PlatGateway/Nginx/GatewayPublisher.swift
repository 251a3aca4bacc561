/// Publishing with a data plane: the store's decision and history, the renderer's text, nginx's test, reload
/// and probe, in that order. A stage with an nginx of its own on an SSH host (`GatewayStage.nginx`) is applied
/// there (`RemoteNginxDataPlane`), with every stage served by that same nginx; the others go to this machine's
/// plane. Without a local data plane (no prefix), changes to local stages are only recorded, and the next
/// `gateway serve` renders them.
public struct GatewayPublisher {
    public let store: GatewayStore
    public let plane: NginxDataPlane?
    /// Seconds a stage's remote nginx gets for its old workers to exit, and for each probe.
    public var remoteWaitSeconds = 10

    public init(store: GatewayStore, plane: NginxDataPlane?) {
        self.store = store
        self.plane = plane
    }

    /// Everything currently served, with `plan`'s stage replaced by what it will serve.
    func stages(with plan: GatewayStore.Plan) throws -> [ServedStage] {
        var all = try store.served().filter { !($0.gateway.name == plan.definition.name && $0.stage.name == plan.stage.name) }
        all.append(ServedStage(gateway: plan.definition, stage: plan.stage, version: plan.version,
                               offline: try store.offline(gateway: plan.definition.name, stage: plan.stage.name), releaseID: plan.releaseID))
        return all
    }

    func apply(_ plan: GatewayStore.Plan) throws {
        try apply(try stages(with: plan), nginxOf: plan.stage, consumers: try store.consumerTable(),
                  probes: [.init(serverName: "\(plan.stage.name).\(plan.definition.name)", path: "/__platflow/release", token: String(plan.releaseID))])
    }

    /// Renders the stages of `all` that `stage`'s nginx serves and applies them to it (this machine's plane
    /// when the stage has no nginx of its own; nothing when there is none).
    func apply(_ all: [ServedStage], nginxOf stage: GatewayStage, consumers: ConsumerTable, probes: [NginxDataPlane.Probe]) throws {
        let group = all.filter { $0.stage.nginx?.target == stage.nginx?.target }
        if let remote = stage.nginx {
            let text = try NginxRenderer.render(group, consumers: consumers, catalogue: try store.pluginCatalogue(), listen: remote.listen)
            try RemoteNginxDataPlane(remote, waitSeconds: remoteWaitSeconds).apply(rendered: text, probes: probes)
        } else if let plane {
            let text = try NginxRenderer.render(group, consumers: consumers, catalogue: try store.pluginCatalogue(), listen: plane.listen)
            try plane.apply(rendered: text, probes: probes)
        }
    }

    @discardableResult
    public func publish(gateway: String, version: String, stage: String, force: String? = nil) throws -> GatewayRelease {
        try store.publish(gateway: gateway, version: version, stage: stage, force: force, apply: apply)
    }

    @discardableResult
    public func rollback(gateway: String, stage: String, force: String? = nil) throws -> GatewayRelease {
        try store.rollback(gateway: gateway, stage: stage, force: force, apply: apply)
    }

    @discardableResult
    public func setOffline(gateway: String, stage: String, resources: [String], offline: Bool) throws -> GatewayRelease {
        try store.setOffline(gateway: gateway, stage: stage, resources: resources, offline: offline) { set, change in
            var changed: GatewayStage?
            let all = try store.served().map { s -> ServedStage in
                var s = s
                if s.gateway.name == gateway && s.stage.name == stage {
                    s.offline = set
                    s.releaseID = change
                    changed = s.stage
                }
                return s
            }
            guard let changed else { return }
            try apply(all, nginxOf: changed, consumers: try store.consumerTable(),
                      probes: [.init(serverName: "\(stage).\(gateway)", path: "/__platflow/release", token: String(change))])
        }
    }

    /// This machine's data plane as it should be now (stages with an nginx of their own are served there).
    public func rendered(listen: String) throws -> String {
        try NginxRenderer.render(try store.served().filter { $0.stage.nginx == nil }, consumers: try store.consumerTable(),
                                 catalogue: try store.pluginCatalogue(), listen: listen)
    }

    /// Renders everything served with `table` and waits until every served stage answers its revision, on this
    /// machine's plane and on each stage's own nginx: the apply step of a consumer change (the store runs it
    /// inside the change's transaction).
    func applyConsumers(_ table: ConsumerTable) throws {
        let all = try store.served()
        if plane != nil && !all.contains(where: { $0.stage.nginx == nil }) {
            try apply(all, nginxOf: GatewayStage(name: "-"), consumers: table, probes: [])
        }
        var done = Set<String>()
        for s in all where done.insert(s.stage.nginx?.target ?? "").inserted {
            let group = all.filter { $0.stage.nginx?.target == s.stage.nginx?.target }
            try apply(all, nginxOf: s.stage, consumers: table,
                      probes: group.map { .init(serverName: "\($0.stage.name).\($0.gateway.name)", path: "/__platflow/consumers", token: String(table.revision)) })
        }
    }

    @discardableResult
    public func addConsumer(_ name: String, description: String = "") throws -> Consumer {
        try store.addConsumer(name, description: description, apply: applyConsumers)
    }

    public func removeConsumer(_ name: String) throws {
        try store.removeConsumer(name, apply: applyConsumers)
    }

    /// A new key for the consumer; its text is returned once and stored nowhere.
    public func createKey(consumer: String) throws -> (key: ConsumerKey, text: String) {
        try store.createKey(consumer: consumer, apply: applyConsumers)
    }

    public func revokeKey(consumer: String, id: String) throws {
        try store.revokeKey(consumer: consumer, id: id, apply: applyConsumers)
    }

    public func grant(consumer: String, gateway: String, resources: [String] = []) throws {
        try store.grant(consumer: consumer, gateway: gateway, resources: resources, apply: applyConsumers)
    }

    /// A consumer's own rate limit on a gateway or one resource (`rate` nil removes it).
    public func setConsumerLimit(consumer: String, gateway: String, resource: String?, rate: String?, burst: Int = 0) throws {
        try store.setConsumerLimit(consumer: consumer, gateway: gateway, resource: resource, rate: rate, burst: burst, apply: applyConsumers)
    }

    public func revoke(consumer: String, gateway: String, resources: [String] = []) throws {
        try store.revoke(consumer: consumer, gateway: gateway, resources: resources, apply: applyConsumers)
    }
}
