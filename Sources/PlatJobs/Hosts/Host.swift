import Foundation
import PlatEngine
import PlatLang

/// A target of the job platform. In .plat a host is a map (`{name: "web-01", address: "10.0.0.5",
/// transport: "ssh", user: "deploy", port: 22, identity: "~/.ssh/id_ed25519", known_hosts: "accept-new"}`) or
/// just a name: `"localhost"` is this machine, any other bare name a simulated local host whose files live
/// under `.platflow/hosts/NAME/`. `cmdb.hosts(...)` returns the same maps.
public struct Host: Sendable, Hashable {
    /// How a host is reached: a kind registered in the job platform's `TransportRegistry` (`local` and `ssh`
    /// come with it; a module may add others, such as `podman`). Any kind name parses here; the registry
    /// decides whether it is known, when the host is used.
    public struct Transport: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        /// This machine (`localhost`) or a simulated host rooted in a folder of its own.
        public static let local: Transport = "local"
        /// The system OpenSSH client, batch mode, multiplexed.
        public static let ssh: Transport = "ssh"

        /// Is `name` usable as a kind: letters, digits, `-` and `_`, starting with a letter?
        public static func isValidKind(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first, CharacterSet.letters.contains(first), name.count <= 64 else { return false }
            return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
        }
    }

    public var name: String
    public var address: String
    public var transport: Transport
    /// For a simulated local host: its root folder; nil for the real machine and for ssh hosts.
    public var root: String?
    public var user: String?
    public var port: Int?
    public var identity: String?
    /// `strict` (the default for ssh: the key must be known), `accept-new`, or `off` (tests only).
    public var knownHosts: String
    public var connectTimeout: Double
    /// Any other fields of the host map (CMDB fields, variables), as strings; scripts get them as PLATFLOW_VAR_*.
    public var vars: [String: String]

    public init(name: String, address: String? = nil, transport: Transport = .local, root: String? = nil,
                user: String? = nil, port: Int? = nil, identity: String? = nil, knownHosts: String = "strict",
                connectTimeout: Double = 10, vars: [String: String] = [:]) {
        self.name = name
        self.address = address ?? name
        self.transport = transport
        self.root = root
        self.user = user
        self.port = port
        self.identity = identity
        self.knownHosts = knownHosts
        self.connectTimeout = connectTimeout
        self.vars = vars
    }

    /// Is this the real machine (not simulated, not remote)?
    public var isThisMachine: Bool { transport == .local && root == nil }

    /// Where a simulated host named `name` keeps its files.
    public static func simulatedRoot(for name: String, base: String = ".platflow/hosts") -> String {
        let abs = base.hasPrefix("/") ? base : FileManager.default.currentDirectoryPath + "/" + base
        return abs + "/" + name
    }

    static let knownKeys: Set<String> = ["name", "address", "transport", "root", "user", "port", "identity",
                                         "known_hosts", "connect_timeout"]

    /// A host from a .plat value: a name, or a host map. Errors say which field is wrong.
    public static func from(_ v: Value, simulatedBase: String = ".platflow/hosts") throws -> Host {
        switch v {
        case .string(let name):
            try checkName(name)
            if name == "localhost" || name == "127.0.0.1" { return Host(name: name, address: name) }
            return Host(name: name, address: name, root: simulatedRoot(for: name, base: simulatedBase))
        case .map(let m):
            guard case .string(let name)? = m.get(.string("name")) else {
                throw RuntimeError("a host map needs a name (string)", hint: "{name: \"web-01\", address: \"10.0.0.5\", transport: \"ssh\"}")
            }
            try checkName(name)
            func str(_ k: String) throws -> String? {
                guard let x = m.get(.string(k)), !x.isNil else { return nil }
                guard case .string(let s) = x else { throw RuntimeError("host \(name): \(k) must be a string, got \(x.typeName)") }
                return s
            }
            var transport = Transport.local
            if let t = try str("transport") {
                guard Transport.isValidKind(t) else {
                    throw RuntimeError("host \(name): transport '\(ScriptEnvironment.printable(t))' is not a transport kind",
                                       hint: "transport is a kind such as \"local\" or \"ssh\"")
                }
                transport = Transport(rawValue: t)
            }
            var port: Int? = nil
            if let p = m.get(.string("port")), !p.isNil {
                guard case .int(let n) = p, n > 0, n < 65536 else { throw RuntimeError("host \(name): port must be an int from 1 to 65535") }
                port = n
            }
            var timeout = 10.0
            if let t = m.get(.string("connect_timeout")), !t.isNil {
                guard case .duration(let ms) = t, ms > 0 else { throw RuntimeError("host \(name): connect_timeout must be a duration") }
                timeout = Double(ms) / 1000
            }
            var vars: [String: String] = [:]
            for (k, x) in m.pairs {
                guard case .string(let key) = k, !knownKeys.contains(key) else { continue }
                if case .string(let s) = x { vars[key] = s } else { vars[key] = x.printed }
            }
            let address = try str("address") ?? name
            var root = try str("root")
            if transport == .local && root == nil && !(address == "localhost" || address == "127.0.0.1") {
                root = simulatedRoot(for: name, base: simulatedBase)
            }
            return Host(name: name, address: address, transport: transport, root: root, user: try str("user"), port: port,
                        identity: try str("identity"), knownHosts: try str("known_hosts") ?? "strict",
                        connectTimeout: timeout, vars: vars)
        default:
            throw RuntimeError("a host is a name or a host map, got \(v.typeName)")
        }
    }

    /// A list of targets: a list of names or host maps (or one of them alone). Duplicate names are an error.
    public static func list(_ v: Value, simulatedBase: String = ".platflow/hosts") throws -> [Host] {
        let items: [Value]
        if case .list(let xs) = v { items = xs } else { items = [v] }
        var seen = Set<String>()
        var out: [Host] = []
        out.reserveCapacity(items.count)
        for x in items {
            let h = try from(x, simulatedBase: simulatedBase)
            guard seen.insert(h.name).inserted else { throw RuntimeError("host \(h.name) is listed twice") }
            out.append(h)
        }
        return out
    }

    static func checkName(_ name: String) throws {
        if name.isEmpty || name.utf8.contains(UInt8(ascii: "/")) || name.utf8.contains(0) || name == "." || name == ".." {
            throw RuntimeError("'\(name)' is not a valid host name", hint: "host names have no '/' and are not empty")
        }
    }

    /// The host as a .plat map (what `cmdb.hosts` returns and `sh` results carry).
    public func toValue() -> Value {
        var pairs: [(String, Value)] = [("name", .string(name)), ("address", .string(address)),
                                        ("transport", .string(transport.rawValue))]
        if let root { pairs.append(("root", .string(root))) }
        if let user { pairs.append(("user", .string(user))) }
        if let port { pairs.append(("port", .int(port))) }
        if let identity { pairs.append(("identity", .string(identity))) }
        if transport == .ssh { pairs.append(("known_hosts", .string(knownHosts))) }
        for (k, v) in vars.sorted(by: { $0.key < $1.key }) { pairs.append((k, .string(v))) }
        return Value.makeMap(pairs)
    }
}

/// The languages a script step can be written in.
public enum ScriptLanguage: String, Sendable, CaseIterable {
    case bash, sh, python, perl, powershell, sql, bat
}

/// One script to run on one host.
public struct ScriptJob: Sendable {
    public var script: String
    public var language: ScriptLanguage
    /// Positional arguments ($1, $2... / sys.argv[1:]); never spliced into the script text.
    public var args: [String]
    /// Extra environment variables (merged over the transport's base environment).
    public var env: [String: String]
    public var timeout: Double?
    /// For `sql`: the connection, e.g. a sqlite3 database file path (`sqlite:PATH`), or a mysql/psql DSN.
    public var connection: String?
    /// Which run's commands these are (so a cancel kills only them).
    public var owner: String?
    public var outputCap: Int
    /// Sees the output as it comes (see `ProcessSpec.onOutput`): `run -v` shows it, prefixed by the host.
    public var onOutput: (@Sendable (_ stderr: Bool, _ bytes: ArraySlice<UInt8>) -> Void)?
    /// `become: true`: run as root through `sudo -n` (SSH hosts).
    public var become = false
    /// Set by a fan-out (`LocalTransport.plan(for:)`): what running this job on this machine's hosts shares,
    /// worked out once instead of for every host. The local transport ignores a plan made for another
    /// script, arguments or `env`; other transports ignore it.
    public var localPlan: LocalLaunchPlan?

    public init(script: String, language: ScriptLanguage = .bash, args: [String] = [], env: [String: String] = [:],
                timeout: Double? = nil, connection: String? = nil, owner: String? = nil, outputCap: Int = 1 << 20) {
        self.script = script
        self.language = language
        self.args = args
        self.env = env
        self.timeout = timeout
        self.connection = connection
        self.owner = owner
        self.outputCap = outputCap
    }
}
