/// Digests as the store writes them: `sha256:<64 hex>`.
public enum ArtifactDigest {
    public static let prefix = "sha256:"

    public static func make(hex: String) -> String { prefix + hex }

    /// The hex part of `sha256:<hex>` (or of bare hex).
    public static func hex(_ digest: String) -> String {
        digest.hasPrefix(prefix) ? String(digest.dropFirst(prefix.count)) : digest
    }

    /// `sha256:0123abcd…`: the first 12 hex digits, for messages and tables.
    public static func short(_ digest: String) -> String { prefix + String(hex(digest).prefix(12)) }

    /// Whether `text` is `sha256:` and 64 lowercase hex digits.
    public static func isValid(_ text: String) -> Bool {
        let h = hex(text)
        return text.hasPrefix(prefix) && h.utf8.count == 64 && h.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}
