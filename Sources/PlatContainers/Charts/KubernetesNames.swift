/// Kubernetes' rules for names, as its API server applies them (facts from the Kubernetes API conventions).
/// Each check returns nil when the text is valid, else what is wrong, as the end of a sentence
/// ("must be at most 63 characters"), so callers can say which manifest and field it is.
public enum KubernetesNames {
    private static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    /// An RFC 1123 label: namespace, container and port-less names (`web-1`): at most 63 characters of
    /// a-z, 0-9 and '-', starting and ending with a letter or digit.
    public static func dns1123Label(_ s: String) -> String? {
        let u = Array(s.utf8)
        if u.isEmpty { return "is empty" }
        if u.count > 63 { return "is \(u.count) characters long; at most 63 are allowed" }
        if let bad = u.first(where: { !isLowerAlnum($0) && $0 != UInt8(ascii: "-") }) {
            return "holds '\(Character(Unicode.Scalar(bad)))'; only lower-case letters, digits and '-' are allowed"
        }
        if u.first == UInt8(ascii: "-") || u.last == UInt8(ascii: "-") {
            return "must start and end with a lower-case letter or digit"
        }
        return nil
    }

    /// An RFC 1035 label (Service names): an RFC 1123 label that starts with a letter.
    public static func dns1035Label(_ s: String) -> String? {
        if let p = dns1123Label(s) { return p }
        if let f = s.utf8.first, !(f >= UInt8(ascii: "a") && f <= UInt8(ascii: "z")) {
            return "must start with a lower-case letter"
        }
        return nil
    }

    /// An RFC 1123 subdomain (most object names, `web.config`): at most 253 characters, dot-separated parts of
    /// a-z, 0-9 and '-' that start and end with a letter or digit (Kubernetes limits only the whole length).
    public static func dns1123Subdomain(_ s: String) -> String? {
        if s.isEmpty { return "is empty" }
        if s.utf8.count > 253 { return "is \(s.utf8.count) characters long; at most 253 are allowed" }
        for part in s.split(separator: ".", omittingEmptySubsequences: false) {
            let u = Array(part.utf8)
            if u.isEmpty { return "has an empty part between dots" }
            if let bad = u.first(where: { !isLowerAlnum($0) && $0 != UInt8(ascii: "-") }) {
                return "holds '\(Character(Unicode.Scalar(bad)))'; only lower-case letters, digits, '-' and '.' are allowed"
            }
            if u.first == UInt8(ascii: "-") || u.last == UInt8(ascii: "-") {
                return "must start and end with a lower-case letter or digit (around each '.' too)"
            }
        }
        return nil
    }

    /// A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63
    /// characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
    public static func qualifiedName(_ s: String) -> String? {
        var name = Substring(s)
        if let slash = s.firstIndex(of: "/") {
            let prefix = String(s[..<slash])
            if let p = dns1123Subdomain(prefix) { return "has a prefix '\(prefix)' that \(p)" }
            name = s[s.index(after: slash)...]
        }
        if name.isEmpty { return "has an empty name" }
        if name.utf8.count > 63 { return "has a name of \(name.utf8.count) characters; at most 63 are allowed" }
        return labelValueCharacters(name)
    }

    /// A label value: empty, or at most 63 characters of letters, digits, '-', '_' and '.', starting and ending
    /// with a letter or digit.
    public static func labelValue(_ s: String) -> String? {
        if s.isEmpty { return nil }
        if s.utf8.count > 63 { return "is \(s.utf8.count) characters long; at most 63 are allowed" }
        return labelValueCharacters(Substring(s))
    }

    private static func labelValueCharacters(_ s: Substring) -> String? {
        let u = Array(s.utf8)
        let allowed: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")]
        if let bad = u.first(where: { !isAlnum($0) && !allowed.contains($0) }) {
            return "holds '\(Character(Unicode.Scalar(bad)))'; only letters, digits, '-', '_' and '.' are allowed"
        }
        if !isAlnum(u[0]) || !isAlnum(u[u.count - 1]) { return "must start and end with a letter or digit" }
        return nil
    }

    /// A port name (IANA service name): at most 15 characters of a-z, 0-9 and '-', with a letter, no '--',
    /// not starting or ending with '-'.
    public static func portName(_ s: String) -> String? {
        let u = Array(s.utf8)
        if u.isEmpty { return "is empty" }
        if u.count > 15 { return "is \(u.count) characters long; a port name has at most 15" }
        if let bad = u.first(where: { !isLowerAlnum($0) && $0 != UInt8(ascii: "-") }) {
            return "holds '\(Character(Unicode.Scalar(bad)))'; only lower-case letters, digits and '-' are allowed"
        }
        if u.first == UInt8(ascii: "-") || u.last == UInt8(ascii: "-") { return "must not start or end with '-'" }
        if s.contains("--") { return "must not hold '--'" }
        if !u.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) { return "needs at least one letter" }
        return nil
    }

    /// A ConfigMap or Secret data key: at most 253 characters of letters, digits, '-', '_' and '.', not "." or "..".
    public static func configKey(_ s: String) -> String? {
        if s.isEmpty { return "is empty" }
        if s.utf8.count > 253 { return "is \(s.utf8.count) characters long; at most 253 are allowed" }
        if s == "." || s == ".." { return "may not be '\(s)'" }
        let allowed: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")]
        if let bad = s.utf8.first(where: { !isAlnum($0) && !allowed.contains($0) }) {
            return "holds '\(Character(Unicode.Scalar(bad)))'; only letters, digits, '-', '_' and '.' are allowed"
        }
        return nil
    }

    /// A container image reference, `[HOST[:PORT]/]PATH[:TAG][@DIGEST]` (the distribution spec's grammar): the
    /// path of lower-case parts (letters, digits, separated by '.', '_', '__' or '-') joined by '/', a tag of
    /// at most 128 letters, digits, '_', '.' and '-' not starting with '.' or '-', a digest ALGORITHM:HEX.
    public static func imageReference(_ s: String) -> String? {
        if s.isEmpty { return "is empty" }
        var rest = Substring(s)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            let parts = digest.split(separator: ":", maxSplits: 1)
            if parts.count != 2 || parts[1].count < 32 || !parts[1].allSatisfy(\.isHexDigit) {
                return "has a digest '\(digest)' that is not ALGORITHM:HEX (sha256:...)"
            }
            rest = rest[..<at]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard var last = components.popLast() else { return "is empty" }
        if let colon = last.lastIndex(of: ":") {
            let tag = last[last.index(after: colon)...]
            let tagChars = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
            if tag.isEmpty || tag.count > 128 || !tag.allSatisfy({ tagChars.contains($0) }) || tag.first == "." || tag.first == "-" {
                return "has a tag '\(tag)' that is not 1 to 128 letters, digits, '_', '.' and '-' (not starting with '.' or '-')"
            }
            last = last[..<colon]
        }
        components.append(last)
        // The first component is a registry host when it has a '.' or ':' or is localhost, and more follow.
        if components.count > 1, let first = components.first, first.contains(".") || first.contains(":") || first == "localhost" {
            let host = first.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if host[0].isEmpty || dns1123Subdomain(String(host[0]).lowercased()) != nil && !host[0].allSatisfy({ $0.isNumber || $0 == "." }) {
                return "has a registry host '\(first)' that is not a host name or address"
            }
            if host.count == 2, Int(host[1]).map({ !(1...65535).contains($0) }) ?? true {
                return "has a registry port '\(host[1])' that is not from 1 to 65535"
            }
            components.removeFirst()
        }
        for c in components {
            let u = Array(c.utf8)
            if u.isEmpty { return "has an empty path part" }
            if let bad = u.first(where: { !isLowerAlnum($0) && ![UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-")].contains($0) }) {
                return "has '\(Character(Unicode.Scalar(bad)))' in its path '\(c)'; only lower-case letters, digits, '.', '_' and '-' are allowed"
            }
            if !isLowerAlnum(u[0]) || !isLowerAlnum(u[u.count - 1]) {
                return "has a path part '\(c)' that does not start and end with a lower-case letter or digit"
            }
        }
        return nil
    }
}
