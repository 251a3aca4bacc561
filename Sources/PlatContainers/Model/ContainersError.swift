/// A refusal or failure of the container platform: bad input (an unknown node, an unschedulable replica, a
/// missing image: nothing was changed) or a failure of the work (podman failed, a health check failed).
public struct ContainersError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case input, failed }
    public var message: String
    public var hint: String?
    public var kind: Kind

    public init(_ message: String, hint: String? = nil, kind: Kind = .input) {
        self.message = message
        self.hint = hint
        self.kind = kind
    }

    public var description: String { message }

    static func failed(_ message: String, hint: String? = nil) -> ContainersError {
        ContainersError(message, hint: hint, kind: .failed)
    }
}

/// Names platflow gives clusters, nodes, apps and namespaces: they end up in podman names and labels.
enum ContainerNames {
    /// Lower-case letters, digits and `-`, starting with a letter or digit, at most 40 characters (DNS-label-like,
    /// as Kubernetes names are; short enough for pod names built from several of them).
    static func check(_ name: String, _ what: String) throws {
        let ok = !name.isEmpty && name.count <= 40 && name.first.map { $0.isLetter || $0.isNumber } == true
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        if !ok {
            throw ContainersError("\(what) name '\(name)' is not valid",
                                  hint: "lower-case letters, digits and '-', starting with a letter or digit, at most 40 characters")
        }
    }
}
