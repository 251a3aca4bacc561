import Foundation
import PlatJobs
import PlatLang

/// Where a stage's nginx runs when it is not this machine's: an SSH host (the job platform's host fields and
/// transport), a prefix of its own there, and the address it listens on. Every stage naming the same host,
/// port and prefix is served by that one nginx; the others by the local prefix (`--prefix`).
///
/// ```yaml
/// stages:
///   prod:
///     nginx: {host: {address: 10.0.0.5, user: deploy, identity: ~/.ssh/gw, known_hosts: strict},
///             prefix: /srv/platflow-gateway, listen: "0.0.0.0:8080"}
/// ```
public struct StageNginx: Codable, Hashable, Sendable {
    /// The SSH host: `address` (required), `name`, `user`, `port`, `identity`, `known_hosts`.
    public var host: [String: String]
    /// nginx's prefix on the host (absolute): its configuration, pid, logs and temp files live there.
    public var prefix: String
    /// `ADDRESS:PORT` nginx listens on (the probe connects to 127.0.0.1 on that port, on the host).
    public var listen: String
    /// nginx on the host (`nginx` on its PATH, else /usr/sbin/nginx, when nil).
    public var binary: String?
    /// Its dynamic modules (for the Lua module); Debian's /usr/lib/nginx/modules when nil.
    public var modules: String?

    public init(host: [String: String], prefix: String, listen: String, binary: String? = nil, modules: String? = nil) {
        self.host = host
        self.prefix = prefix
        self.listen = listen
        self.binary = binary
        self.modules = modules
    }

    static let hostKeys = ["name", "address", "user", "port", "identity", "known_hosts", "connect_timeout"]

    /// The job platform's host for it (ssh transport; known_hosts `strict` unless given).
    public var sshHost: PlatJobs.Host {
        let address = host["address"] ?? ""
        return PlatJobs.Host(name: host["name"] ?? address, address: address, transport: .ssh, user: host["user"],
                             port: host["port"].flatMap { Int($0) }, identity: host["identity"].map { ($0 as NSString).expandingTildeInPath },
                             knownHosts: host["known_hosts"] ?? "strict", connectTimeout: host["connect_timeout"].flatMap { Double($0) } ?? 10)
    }

    /// The listening port.
    public var port: Int { Int(listen.split(separator: ":").last ?? "") ?? 0 }

    /// One nginx per host, port and prefix.
    public var target: String { "\(host["user"].map { $0 + "@" } ?? "")\(host["address"] ?? ""):\(host["port"] ?? "22")\(prefix)" }

    /// Checks every field against what the remote scripts and nginx accept; errors name the stage and field.
    func validate(owner: String) throws {
        for k in host.keys.sorted() where !Self.hostKeys.contains(k) {
            throw GatewayError.field(owner, "nginx.host.\(k)", "is not a host field", hint: "fields: " + Self.hostKeys.joined(separator: ", "))
        }
        guard let address = host["address"], !address.isEmpty else {
            throw GatewayError.field(owner, "nginx.host.address", "is required", hint: "the SSH host nginx runs on: {address: 10.0.0.5, user: deploy}")
        }
        if let p = host["port"], Int(p).map({ (1...65535).contains($0) }) != true {
            throw GatewayError.field(owner, "nginx.host.port", "is '\(p)'", hint: "1 to 65535")
        }
        if let t = host["connect_timeout"], Double(t).map({ $0 > 0 }) != true {
            throw GatewayError.field(owner, "nginx.host.connect_timeout", "is '\(t)'", hint: "seconds, above 0")
        }
        do { try SSHTransport.validate(sshHost) } catch let e as RuntimeError {
            throw GatewayError.field(owner, "nginx.host", e.message, hint: e.hint)
        }
        for (field, path) in [("prefix", prefix), ("binary", binary), ("modules", modules)] {
            guard let path else { continue }
            guard path.hasPrefix("/"), path.count <= 512, !path.contains("//"), !path.split(separator: "/").contains(".."),
                  path.utf8.allSatisfy({ c in (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 45 || c == 47 }) else {
                throw GatewayError.field(owner, "nginx.\(field)", "'\(GatewayValidation.escaped(path))' is not an absolute path of letters, digits, '.', '_', '-' and '/'")
            }
        }
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        let addressOK = parts.count == 2 && parts[0].split(separator: ".", omittingEmptySubsequences: false).count == 4
            && parts[0].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { Int($0).map { (0...255).contains($0) } == true }
        guard addressOK, (1...65535).contains(port) else {
            throw GatewayError.field(owner, "nginx.listen", "is '\(GatewayValidation.escaped(listen))'", hint: "IPV4:PORT, such as 0.0.0.0:8080 or 127.0.0.1:8080")
        }
    }
}
