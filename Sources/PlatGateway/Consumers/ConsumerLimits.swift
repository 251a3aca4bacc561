import PlatLang

/// A consumer's own rate limit (the issue's "rate limit per app"): its calls to a gateway, or to one resource
/// of it, on every stage, past `rate` and `burst` answer 429, whatever the resources' own limits. Like grants,
/// limits are consumer data, not versions: a change reaches every stage at once (`gateway ratelimit set ...
/// --consumer NAME`).
public struct ConsumerLimit: Codable, Hashable, Sendable {
    public var consumer: String
    public var gateway: String
    /// One resource, or the whole gateway when nil (one budget over all its resources).
    public var resource: String?
    /// `10r/s` or `600r/m`.
    public var rate: String
    public var burst: Int

    public init(consumer: String, gateway: String, resource: String? = nil, rate: String, burst: Int = 0) {
        self.consumer = consumer
        self.gateway = gateway
        self.resource = resource
        self.rate = rate
        self.burst = burst
    }

    /// `shop` or `shop/list_orders`.
    public var scope: String { resource.map { "\(gateway)/\($0)" } ?? gateway }

    /// Its zone's (and key variable's) stable nginx name.
    var zone: String { "gwc_" + [consumer, gateway, resource ?? GatewayStage.wholeStage].map(NginxRenderer.encode).joined(separator: "__") }

    /// Does it count calls to `resource` of `gateway`?
    func covers(gateway g: String, resource r: String) -> Bool { gateway == g && (resource == nil || resource == r) }

    static func check(rate: String, burst: Int) throws {
        guard rate.range(of: "^[1-9][0-9]{0,6}r/[sm]$", options: .regularExpression) != nil else {
            throw GatewayError.invalidInput("rate '\(GatewayValidation.escaped(rate))' is not a rate", hint: "requests per second or minute: 10r/s, 600r/m")
        }
        guard (0...100_000).contains(burst) else { throw GatewayError.invalidInput("burst \(burst) is not between 0 and 100000", hint: nil) }
    }
}

extension GatewayStore {
    /// Sets (or with `rate` nil removes) a consumer's own limit on a gateway or one of its resources, as a
    /// consumer change (recorded, and applied to the data plane by `apply`, in one transaction).
    public func setConsumerLimit(consumer name: String, gateway: String, resource: String?, rate: String?, burst: Int = 0,
                                 apply: ConsumerApply = { _ in }) throws {
        let scope = resource.map { "\(gateway)/\($0)" } ?? gateway
        try changeConsumers(consumer: name, action: rate == nil ? "unlimit" : "limit", detail: "\(scope) \(rate ?? "")", apply: apply) {
            _ = try consumer(name)
            try checkResources(gateway: gateway, resource.map { [$0] } ?? [])
            if let rate {
                try ConsumerLimit.check(rate: rate, burst: burst)
                try db.execute("""
                    INSERT INTO gateway_consumer_limits (consumer, gateway, resource, rate, burst) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (consumer, gateway, resource) DO UPDATE SET rate = excluded.rate, burst = excluded.burst
                    """, name, gateway, resource ?? "", rate, Int64(burst))
            } else {
                guard try db.queryOne("SELECT 1 FROM gateway_consumer_limits WHERE consumer = ? AND gateway = ? AND resource = ?",
                                      name, gateway, resource ?? "") != nil else {
                    throw GatewayError.invalidInput("consumer '\(name)' has no rate limit of its own on \(scope)", hint: "platflow gateway ratelimit list \(gateway)")
                }
                try db.execute("DELETE FROM gateway_consumer_limits WHERE consumer = ? AND gateway = ? AND resource = ?", name, gateway, resource ?? "")
            }
        }
    }

    /// Every consumer's own limits (of one gateway when given).
    public func consumerLimits(gateway: String? = nil) throws -> [ConsumerLimit] {
        try db.query("SELECT * FROM gateway_consumer_limits ORDER BY consumer, gateway, resource").compactMap { row in
            let l = ConsumerLimit(consumer: row.string("consumer") ?? "", gateway: row.string("gateway") ?? "",
                                  resource: (row.string("resource") ?? "").isEmpty ? nil : row.string("resource"),
                                  rate: row.string("rate") ?? "", burst: Int(row.int("burst") ?? 0))
            return gateway == nil || l.gateway == gateway ? l : nil
        }
    }
}

extension NginxRenderer {
    /// Per consumer limit: a key that is the consumer's name for its calls and empty for everyone else's (nginx
    /// does not count empty keys), and a zone on it.
    static func renderConsumerLimits(_ limits: [ConsumerLimit]) -> String {
        var out = ""
        for l in limits.sorted(by: { $0.zone < $1.zone }) {
            out += "map $gw_key_consumer $\(l.zone) {\n    default \"\";\n    \"\(l.consumer)\" \"\(l.consumer)\";\n}\n"
            out += "limit_req_zone $\(l.zone) zone=\(l.zone):1m rate=\(l.rate);\n"
        }
        return out
    }

    /// A resource location's consumer limits (for a resource with auth); `limit_req_status` unless the
    /// resource's plugins wrote it already (nginx refuses it twice).
    static func renderConsumerLimitCalls(_ limits: [ConsumerLimit], gateway: String, resource: String, pluginLines: [String]) -> String {
        let mine = limits.filter { $0.covers(gateway: gateway, resource: resource) }.sorted { $0.zone < $1.zone }
        guard !mine.isEmpty else { return "" }
        var out = mine.map { "        limit_req zone=\($0.zone)\($0.burst > 0 ? " burst=\($0.burst) nodelay" : "");\n" }.joined()
        if !pluginLines.contains(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("limit_req_status ") }) {
            out += "        limit_req_status 429;\n"
        }
        return out
    }
}
