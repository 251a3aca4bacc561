/// A caller of gateway APIs (APISIX and Kong say consumer, bk-apigateway says app): it holds keys and is
/// granted gateways or single resources. Not a deployable app (Release's `app`): the CLI's `gateway app` is
/// only another spelling of `gateway consumer`.
public struct Consumer: Codable, Hashable, Sendable {
    public var name: String
    public var description: String
    public var keys: [ConsumerKey]
    public var grants: [ConsumerGrant]
    public var createdBy: String
    public var createdAt: Double
}

/// One key of a consumer: its id (the part before the dot) and the digest of the whole key. The key itself is
/// shown once, when it is created, and never stored.
public struct ConsumerKey: Codable, Hashable, Sendable {
    public var id: String
    public var consumer: String
    /// `KeyDigest.of(key)`.
    public var digest: String
    public var createdBy: String
    public var createdAt: Double
    /// When it was revoked; a revoked key is no longer rendered, so nginx answers 401 to it.
    public var revokedAt: Double?

    public var isActive: Bool { revokedAt == nil }
}

/// What a consumer may call: a whole gateway (`resource` nil) or one resource of it, on every stage.
public struct ConsumerGrant: Codable, Hashable, Sendable {
    public var consumer: String
    public var gateway: String
    public var resource: String?

    public init(consumer: String, gateway: String, resource: String? = nil) {
        self.consumer = consumer
        self.gateway = gateway
        self.resource = resource
    }

    /// `shop` or `shop/list_orders`: how the rendered grant maps name it.
    public var scope: String { resource.map { "\(gateway)/\($0)" } ?? gateway }
}

/// What the data plane needs of the consumers: active keys (id, consumer, digest) and grants, with the
/// revision of the consumer tables it was read at (the probe waits for nginx to answer it).
public struct ConsumerTable: Hashable, Sendable {
    public struct ActiveKey: Hashable, Sendable {
        public var id: String
        public var consumer: String
        public var digest: String

        public init(id: String, consumer: String, digest: String) {
            self.id = id
            self.consumer = consumer
            self.digest = digest
        }
    }

    public var revision: Int64
    public var keys: [ActiveKey]
    public var grants: [ConsumerGrant]
    /// Consumers' own rate limits.
    public var limits: [ConsumerLimit]

    public init(revision: Int64 = 0, keys: [ActiveKey] = [], grants: [ConsumerGrant] = [], limits: [ConsumerLimit] = []) {
        self.revision = revision
        self.keys = keys
        self.grants = grants
        self.limits = limits
    }

    public static let empty = ConsumerTable()
}
