/// Publishing with a data plane: the store's decision and history, the renderer's text, nginx's test, reload
/// and probe, in that order. Without a data plane (no prefix), changes are only recorded, and the next
/// `gateway serve` renders them.
public struct GatewayPublisher {
    public let store: GatewayStore
    public let plane: NginxDataPlane?

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
        guard let plane else { return }
        let text = try NginxRenderer.render(try stages(with: plan), consumers: try store.consumerTable(), catalogue: try store.pluginCatalogue(),
                                            listen: plane.listen)
        try plane.apply(rendered: text, expect: [("\(plan.stage.name).\(plan.definition.name)", String(plan.releaseID))])
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
            guard let plane else { return }
            let all = try store.served().map { s -> ServedStage in
                var s = s
                if s.gateway.name == gateway && s.stage.name == stage {
                    s.offline = set
                    s.releaseID = change
                }
                return s
            }
            try plane.apply(rendered: try NginxRenderer.render(all, consumers: try store.consumerTable(), catalogue: try store.pluginCatalogue(), listen: plane.listen),
                            expect: [("\(stage).\(gateway)", String(change))])
        }
    }

    /// The whole data plane as it should be now.
    public func rendered(listen: String) throws -> String {
        try NginxRenderer.render(try store.served(), consumers: try store.consumerTable(), catalogue: try store.pluginCatalogue(), listen: listen)
    }

    /// Renders everything served with `table` and waits until every served stage answers its revision: the
    /// apply step of a consumer change (the store runs it inside the change's transaction).
    func applyConsumers(_ table: ConsumerTable) throws {
        guard let plane else { return }
        let all = try store.served()
        try plane.apply(rendered: try NginxRenderer.render(all, consumers: table, catalogue: try store.pluginCatalogue(), listen: plane.listen),
                        probes: all.map { .init(serverName: "\($0.stage.name).\($0.gateway.name)", path: "/__platflow/consumers", token: String(table.revision)) })
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

    public func revoke(consumer: String, gateway: String, resources: [String] = []) throws {
        try store.revoke(consumer: consumer, gateway: gateway, resources: resources, apply: applyConsumers)
    }
}
