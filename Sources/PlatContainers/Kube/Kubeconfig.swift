import Foundation
import PlatLang

/// What platflow reads from a kubeconfig file: its contexts (each a cluster, a user and a namespace), the
/// clusters' API server addresses and the current context. Credentials stay in the file: platflow records
/// the file's path and hands it to kubectl, never copies a token or key.
public struct Kubeconfig {
    public struct Context: Equatable {
        public var name: String
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    public var path: String
    public var contexts: [Context]
    /// Cluster name → its API server URL.
    public var servers: [String: String]
    public var currentContext: String?

    /// Reads `path`; errors name the file and, for YAML, the line and column.
    public static func load(path: String) throws -> Kubeconfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ContainerInputError("cannot read kubeconfig '\(path)'",
                             hint: FileManager.default.fileExists(atPath: path) ? "check its permissions" : "no such file")
        }
        let value: Value
        do { value = try YAML.decode(String(decoding: data, as: UTF8.self), file: path) } catch {
            throw ContainerInputError("\(error)", hint: "a kubeconfig is YAML: kubectl config view --raw shows one")
        }
        return try parse(value, path: path)
    }

    static func parse(_ value: Value, path: String) throws -> Kubeconfig {
        guard case .map = value else {
            throw ContainerInputError("\(path) is not a kubeconfig: it holds a \(value.typeName), not a mapping")
        }
        if let kind = value.member("kind"), kind != .string("Config") {
            throw ContainerInputError("\(path) is not a kubeconfig: its kind is \(kind.repr), not \"Config\"")
        }
        func entries(_ key: String) throws -> [Value] {
            guard let v = value.member(key), !v.isNil else { return [] }
            guard case .list(let xs) = v else { throw ContainerInputError("\(path): \(key) is a \(v.typeName), not a list") }
            return xs
        }
        var servers: [String: String] = [:]
        for (i, c) in try entries("clusters").enumerated() {
            guard let name = c.member("name")?.stringValue else { throw ContainerInputError("\(path): clusters[\(i)] has no name") }
            // A cluster without a server is only an error when the chosen context uses it (see `context`).
            servers[name] = c.member("cluster")?.member("server")?.stringValue ?? ""
        }
        var contexts: [Context] = []
        for (i, c) in try entries("contexts").enumerated() {
            guard let name = c.member("name")?.stringValue else { throw ContainerInputError("\(path): contexts[\(i)] has no name") }
            guard let cluster = c.member("context")?.member("cluster")?.stringValue else {
                throw ContainerInputError("\(path): context \"\(name)\" names no cluster (context.cluster)")
            }
            let user = c.member("context")?.member("user")?.stringValue ?? ""
            let ns = c.member("context")?.member("namespace")?.stringValue
            contexts.append(Context(name: name, cluster: cluster, user: user, namespace: ns))
        }
        let current = value.member("current-context")?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return Kubeconfig(path: path, contexts: contexts, servers: servers, currentContext: current)
    }

    /// The context `name`, else the current one; its cluster must be in the file.
    public func context(_ name: String?) throws -> (context: Context, server: String) {
        let names = contexts.map(\.name)
        guard let wanted = name ?? currentContext else {
            throw ContainerInputError("\(path) has no current-context; name one with --context",
                             hint: names.isEmpty ? "the file has no contexts" : "its contexts: \(names.joined(separator: ", "))")
        }
        guard let c = contexts.first(where: { $0.name == wanted }) else {
            throw ContainerInputError("\(path) has no context \"\(wanted)\"",
                             hint: closestName(to: wanted, in: names).map { "did you mean '\($0)'?" }
                                 ?? (names.isEmpty ? "the file has no contexts" : "its contexts: \(names.joined(separator: ", "))"))
        }
        guard let server = servers[c.cluster] else {
            throw ContainerInputError("\(path): context \"\(c.name)\" names cluster \"\(c.cluster)\", which the file does not define")
        }
        if server.isEmpty {
            throw ContainerInputError("\(path): cluster \"\(c.cluster)\" of context \"\(c.name)\" has no server address (cluster.server)")
        }
        return (c, server)
    }
}
