/// An error of the CMDB: what went wrong, about which object, and a hint where one helps.
public struct CMDBError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// Bad input: a value of the wrong type, a forbidden name, a malformed filter.
        case invalid
        /// The named object does not exist.
        case notFound
        /// The change would break a rule (uniqueness, transfer rules, mappings, a host still in use).
        case conflict
    }

    public let kind: Kind
    public let message: String
    public let hint: String?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message)\nhint: \($0)" } ?? message }
}
