import PlatRelease

/// Who may call a resource: anyone, a consumer presenting an app key, or a consumer's key plus a user's
/// bearer token (`both`: the key is checked by nginx, the token's presence by nginx and its meaning by the
/// backend).
public enum AuthMode: String, Codable, CaseIterable, Sendable {
    case none
    case appKey = "app_key"
    case both
}

/// One backend address with its share of the traffic (nginx `weight`, 1...100).
public struct BackendHost: Codable, Hashable, Sendable {
    /// `http://HOST[:PORT]` or `https://HOST[:PORT]`, nothing after the authority.
    public var url: String
    public var weight: Int

    public init(url: String, weight: Int = 1) {
        self.url = url
        self.weight = weight
    }

    /// `http` or `https`.
    public var scheme: String { url.hasPrefix("https://") ? "https" : "http" }
    /// `HOST:PORT` (the scheme's default port when none is written).
    public var authority: String {
        let rest = String(url.drop(while: { $0 != "/" }).dropFirst(2))
        return rest.contains(":") ? rest : rest + (scheme == "https" ? ":443" : ":80")
    }
}

/// A place a gateway serves: an environment by name and class (the class is what the release gates judge),
/// its variables and the backend hosts resources use unless they name their own.
public struct GatewayStage: Codable, Hashable, Sendable {
    public var name: String
    /// The environment's name (`prod`); the stage name when none is given.
    public var env: String
    /// `test`, `staging` or `production`.
    public var envClass: String
    public var variables: [String: String]
    public var backends: [BackendHost]
    /// A mock stage: every resource answers its documented example from nginx, no backend is called.
    /// (Optional so versions and definitions stored before mock stages existed still decode.)
    public var mock: Bool?
    /// Rate limits of this stage (docs/gateway.md, "Rate limits per stage"), in the rate_limit plugin's settings:
    /// a resource's name → limits replacing that resource's own on this stage; `*` → one budget shared by every
    /// resource of the stage, counted in addition to theirs. Stages are configuration, so these apply to
    /// whatever version the stage serves. (Optional so stages stored before them still decode.)
    public var rateLimits: [String: [String: String]]?
    /// The stage's own nginx on an SSH host; this machine's (the publisher's prefix) when nil.
    public var nginx: StageNginx?

    public init(name: String, env: String? = nil, envClass: String = "test", variables: [String: String] = [:],
                backends: [BackendHost] = [], mock: Bool = false, rateLimits: [String: [String: String]] = [:], nginx: StageNginx? = nil) {
        self.name = name
        self.env = env ?? name
        self.envClass = envClass
        self.variables = variables
        self.backends = backends
        self.mock = mock ? true : nil
        self.rateLimits = rateLimits.isEmpty ? nil : rateLimits
        self.nginx = nginx
    }

    /// The key of a stage-wide limit in `rateLimits`.
    public static let wholeStage = "*"

    /// The stage's limits (empty when none).
    public var limits: [String: [String: String]] { rateLimits ?? [:] }

    /// The plugins `r` runs on this stage: its own, with the stage's limit for it in place of its rate_limit.
    public func plugins(of r: GatewayResource) -> [String: [String: String]] {
        var p = r.plugins
        if let l = rateLimits?[r.name] { p["rate_limit"] = l }
        return p
    }

    public var isMock: Bool { mock == true }

    /// The environment the gates are asked about.
    public var environment: Environment {
        Environment(name: env, class: EnvironmentClass(name: envClass) ?? .test)
    }
}

/// One API: what callers ask for (method and path with `{params}`) and where it goes (backend method, path,
/// hosts), with its timeout, header changes, auth, tags, doc and plugin settings.
public struct GatewayResource: Codable, Hashable, Sendable {
    public var name: String
    /// GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, or ANY.
    public var method: String
    /// `/orders/{id}`: literal segments and whole-segment parameters.
    public var path: String
    /// The backend's method; the caller's when nil.
    public var backendMethod: String?
    /// The backend's path; may use the front path's `{params}`; the front path when nil.
    public var backendPath: String?
    /// Hosts of this resource; the stage's when empty.
    public var backends: [BackendHost]
    /// Seconds for connect, send and read (default 30).
    public var timeout: Int
    /// Request headers set (added or replaced) on the way to the backend.
    public var setHeaders: [String: String]
    /// Request headers removed on the way to the backend.
    public var removeHeaders: [String]
    /// The gateway's default when nil.
    public var auth: AuthMode?
    public var tags: [String]
    /// One line on what it does.
    public var doc: String
    /// The documented answer: a JSON body (what a mock stage and the docs show). Optional so older snapshots
    /// decode.
    public var example: String?
    /// Plugin name → its settings (values as text). `rate_limit: {rate: "10r/s", burst: "20"}` is applied by
    /// the renderer; other plugins are recorded and refused at publish until plugins exist.
    public var plugins: [String: [String: String]]

    public init(name: String, method: String, path: String, backendMethod: String? = nil, backendPath: String? = nil,
                backends: [BackendHost] = [], timeout: Int = 30, setHeaders: [String: String] = [:], removeHeaders: [String] = [],
                auth: AuthMode? = nil, tags: [String] = [], doc: String = "", plugins: [String: [String: String]] = [:], example: String? = nil) {
        self.name = name
        self.method = method
        self.path = path
        self.backendMethod = backendMethod
        self.backendPath = backendPath
        self.backends = backends
        self.timeout = timeout
        self.setHeaders = setHeaders
        self.removeHeaders = removeHeaders
        self.auth = auth
        self.tags = tags
        self.doc = doc
        self.plugins = plugins
        self.example = example
    }
}

/// A gateway's definition as the user writes it: the draft that `version create` snapshots.
public struct GatewayDefinition: Codable, Hashable, Sendable {
    public var name: String
    public var description: String
    public var maintainers: [String]
    public var defaultAuth: AuthMode
    public var stages: [GatewayStage]
    public var resources: [GatewayResource]

    public init(name: String, description: String = "", maintainers: [String] = [], defaultAuth: AuthMode = .none,
                stages: [GatewayStage] = [], resources: [GatewayResource] = []) {
        self.name = name
        self.description = description
        self.maintainers = maintainers
        self.defaultAuth = defaultAuth
        self.stages = stages
        self.resources = resources
    }

    public func stage(_ name: String) -> GatewayStage? { stages.first { $0.name == name } }
}

/// An immutable, SemVer-named snapshot of a gateway's resources (and its default auth, which they inherit).
public struct ResourceVersion: Codable, Hashable, Sendable {
    public var gateway: String
    public var version: String
    public var defaultAuth: AuthMode
    public var resources: [GatewayResource]
    public var comment: String
    public var createdBy: String
    public var createdAt: Double

    public init(gateway: String, version: String, defaultAuth: AuthMode, resources: [GatewayResource], comment: String = "",
                createdBy: String = "", createdAt: Double = 0) {
        self.gateway = gateway
        self.version = version
        self.defaultAuth = defaultAuth
        self.resources = resources
        self.comment = comment
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// A resource's effective auth mode.
    public func auth(of r: GatewayResource) -> AuthMode { r.auth ?? defaultAuth }
}

/// What a release did: pointed a stage at a version (publish, rollback), or changed what it serves.
public enum ReleaseAction: String, Codable, Sendable {
    case publish, rollback, offline, online
}

/// One entry of a gateway's history: every publish and rollback, succeeded or failed.
public struct GatewayRelease: Codable, Hashable, Sendable {
    public var id: Int64
    public var gateway: String
    public var stage: String
    public var version: String
    public var action: ReleaseAction
    /// `succeeded` or `failed`.
    public var status: String
    /// Why a refusing gate was passed, when it was.
    public var forced: String?
    /// Why it failed, or what it changed (offline resource names).
    public var note: String
    public var who: String
    public var at: Double
}
