import PlatLang
import PlatStore

/// Consumers, their keys and grants (`gateway consumer ...`). Every change runs in one transaction with the
/// row that makes it a new revision; `apply` (the data plane) runs inside that transaction with the table as
/// it will be, so a change nginx refuses or fails to serve is not recorded either.
extension GatewayStore {
    public typealias ConsumerApply = (ConsumerTable) throws -> Void

    /// Adds a consumer (no keys, no grants yet).
    @discardableResult
    public func addConsumer(_ name: String, description: String = "", apply: ConsumerApply = { _ in }) throws -> Consumer {
        try GatewayValidation.name(name, what: "consumer")
        return try changeConsumers(consumer: name, action: "add", detail: description, apply: apply) {
            if try db.queryOne("SELECT 1 FROM gateway_consumers WHERE name = ?", name) != nil {
                throw GatewayError.invalidInput("consumer '\(name)' exists already", hint: "give it a key: platflow gateway consumer keys \(name) --new")
            }
            try db.execute("INSERT INTO gateway_consumers (name, description, created_by, created_at) VALUES (?, ?, ?, ?)",
                           name, description, actor, clock())
            return try consumer(name)
        }
    }

    /// Removes a consumer with its keys and grants.
    public func removeConsumer(_ name: String, apply: ConsumerApply = { _ in }) throws {
        try changeConsumers(consumer: name, action: "remove", detail: "", apply: apply) {
            _ = try consumer(name)
            for t in ["gateway_consumer_keys", "gateway_grants"] { try db.execute("DELETE FROM \(t) WHERE consumer = ?", name) }
            try db.execute("DELETE FROM gateway_consumers WHERE name = ?", name)
        }
    }

    /// Every consumer, by name.
    public func consumers() throws -> [Consumer] {
        try db.query("SELECT name FROM gateway_consumers ORDER BY name").compactMap { $0.string("name") }.map(consumer)
    }

    /// One consumer with its keys (revoked ones too) and grants; an unknown name is bad input.
    public func consumer(_ name: String) throws -> Consumer {
        guard let row = try db.queryOne("SELECT * FROM gateway_consumers WHERE name = ?", name) else {
            let known = try db.query("SELECT name FROM gateway_consumers ORDER BY name").compactMap { $0.string("name") }
            throw GatewayError.invalidInput("unknown consumer '\(name)'",
                                            hint: closestName(to: name, in: known).map { "did you mean '\($0)'?" } ?? "add it: platflow gateway consumer add \(name)")
        }
        let keys = try db.query("SELECT * FROM gateway_consumer_keys WHERE consumer = ? ORDER BY created_at, id", name).map { k in
            ConsumerKey(id: k.string("id") ?? "", consumer: name, digest: k.string("digest") ?? "", createdBy: k.string("created_by") ?? "",
                        createdAt: k.double("created_at") ?? 0, revokedAt: k.double("revoked_at"))
        }
        return Consumer(name: name, description: row.string("description") ?? "", keys: keys, grants: try grants(consumer: name),
                        createdBy: row.string("created_by") ?? "", createdAt: row.double("created_at") ?? 0)
    }

    func grants(consumer: String?) throws -> [ConsumerGrant] {
        let rows = consumer == nil
            ? try db.query("SELECT * FROM gateway_grants ORDER BY consumer, gateway, resource")
            : try db.query("SELECT * FROM gateway_grants WHERE consumer = ? ORDER BY gateway, resource", consumer)
        return rows.map { g in
            let r = g.string("resource") ?? ""
            return ConsumerGrant(consumer: g.string("consumer") ?? "", gateway: g.string("gateway") ?? "", resource: r.isEmpty ? nil : r)
        }
    }

    /// Creates a key for the consumer. Returns the key text, which is not kept anywhere: show it once.
    public func createKey(consumer name: String, apply: ConsumerApply = { _ in }) throws -> (key: ConsumerKey, text: String) {
        let (id, text) = ConsumerKeyText.generate()
        let key = try changeConsumers(consumer: name, action: "key", detail: id, apply: apply) { () -> ConsumerKey in
            _ = try consumer(name)
            let k = ConsumerKey(id: id, consumer: name, digest: KeyDigest.of(text), createdBy: actor, createdAt: clock(), revokedAt: nil)
            try db.execute("INSERT INTO gateway_consumer_keys (id, consumer, digest, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                           k.id, name, k.digest, actor, k.createdAt)
            return k
        }
        return (key, text)
    }

    /// Revokes one of the consumer's keys by its id: nginx answers 401 to it from the next apply on.
    public func revokeKey(consumer name: String, id: String, apply: ConsumerApply = { _ in }) throws {
        try changeConsumers(consumer: name, action: "revoke-key", detail: id, apply: apply) {
            let c = try consumer(name)
            guard let k = c.keys.first(where: { $0.id == id }) else {
                throw GatewayError.invalidInput("consumer '\(name)' has no key '\(id)'",
                                                hint: c.keys.isEmpty ? "it has no keys" : "its keys: " + c.keys.map(\.id).joined(separator: ", "))
            }
            guard k.isActive else { throw GatewayError.invalidInput("key '\(id)' of consumer '\(name)' is revoked already", hint: nil) }
            try db.execute("UPDATE gateway_consumer_keys SET revoked_at = ? WHERE id = ?", clock(), id)
        }
    }

    /// Grants the consumer a whole gateway (`resources` empty) or some of its resources.
    public func grant(consumer name: String, gateway: String, resources: [String] = [], apply: ConsumerApply = { _ in }) throws {
        let detail = resources.isEmpty ? gateway : resources.map { "\(gateway)/\($0)" }.joined(separator: ", ")
        try changeConsumers(consumer: name, action: "grant", detail: detail, apply: apply) {
            _ = try consumer(name)
            try checkResources(gateway: gateway, resources)
            for r in resources.isEmpty ? [""] : resources {
                try db.execute("""
                    INSERT OR IGNORE INTO gateway_grants (consumer, gateway, resource, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)
                    """, name, gateway, r, actor, clock())
            }
        }
    }

    /// Takes back grants given by `grant`: the whole gateway (`resources` empty) or those resources.
    public func revoke(consumer name: String, gateway: String, resources: [String] = [], apply: ConsumerApply = { _ in }) throws {
        let detail = resources.isEmpty ? gateway : resources.map { "\(gateway)/\($0)" }.joined(separator: ", ")
        try changeConsumers(consumer: name, action: "revoke", detail: detail, apply: apply) {
            let c = try consumer(name)
            for r in resources.isEmpty ? [nil] : resources.map(Optional.some) {
                let g = ConsumerGrant(consumer: name, gateway: gateway, resource: r)
                guard c.grants.contains(g) else {
                    throw GatewayError.invalidInput("consumer '\(name)' has no grant on \(g.scope)",
                                                    hint: c.grants.isEmpty ? "it has no grants" : "its grants: " + c.grants.map(\.scope).joined(separator: ", "))
                }
                try db.execute("DELETE FROM gateway_grants WHERE consumer = ? AND gateway = ? AND resource = ?", name, gateway, r ?? "")
            }
        }
    }

    /// A grant names an existing gateway and resources it has (in its definition or any version).
    func checkResources(gateway: String, _ resources: [String]) throws {
        let d = try definition(gateway)
        var known = Set(d.resources.map(\.name))
        for v in try versions(gateway: gateway) { known.formUnion(v.resources.map(\.name)) }
        for r in resources where !known.contains(r) {
            throw GatewayError.invalidInput("gateway '\(gateway)' has no resource '\(r)'",
                                            hint: closestName(to: r, in: known.sorted()).map { "did you mean '\($0)'?" } ?? "resources: " + known.sorted().joined(separator: ", "))
        }
    }

    /// What the data plane renders: active keys and every grant, at the current revision.
    public func consumerTable() throws -> ConsumerTable {
        let revision = try db.queryOne("SELECT MAX(id) AS id FROM gateway_consumer_changes")?.int("id") ?? 0
        let keys = try db.query("SELECT id, consumer, digest FROM gateway_consumer_keys WHERE revoked_at IS NULL ORDER BY id").map {
            ConsumerTable.ActiveKey(id: $0.string("id") ?? "", consumer: $0.string("consumer") ?? "", digest: $0.string("digest") ?? "")
        }
        return ConsumerTable(revision: revision, keys: keys, grants: try grants(consumer: nil), limits: try consumerLimits())
    }

    /// Runs `change`, records it as a new revision and hands the resulting table to `apply`, all in one
    /// transaction: when anything throws, nothing of the change stays.
    @discardableResult
    func changeConsumers<T>(consumer: String, action: String, detail: String, apply: ConsumerApply, _ change: () throws -> T) throws -> T {
        try db.transaction {
            let result = try change()
            try db.execute("INSERT INTO gateway_consumer_changes (consumer, action, detail, who, at) VALUES (?, ?, ?, ?, ?)",
                           consumer, action, detail, actor, clock())
            try apply(try consumerTable())
            return result
        }
    }
}
