import PlatLang
import PlatStore

/// The `where` filter of an event subscription (`on gateway.published where 'stage == "prod"' run ...`): tests of
/// the event's text fields against quoted strings, combined with `and`, `or` and `not`:
///
///     env == "prod" and app != "docs"
///     action in ["failed", "stopped"] or not (namespace == "test")
///
/// `&&`, `||` and `!` are the same as `and`, `or` and `not`; `and` binds tighter than `or`; parentheses group.
/// A field the event lacks, or holds as something other than a string, reads as "". Every module's event
/// source with text fields filters with this (one grammar, one error wording that points into the filter);
/// the CMDB's host events use the CMDB query language instead, since they filter hosts.
public struct EventFilter {
    /// The event's name, for errors (`gateway.published filter: ...`).
    public let event: String
    public let source: String
    let root: Node

    indirect enum Node {
        case equals(field: String, text: String)
        case oneOf(field: String, texts: [String])
        case not(Node)
        /// Lists rather than pairs, so a long chain of `and`s or `or`s is not a deep tree to walk.
        case all([Node])
        case any([Node])
    }

    /// Parses `source` for `event`, whose filters may name `fields`. Throws a RuntimeError that names the
    /// column and shows the filter with a caret under it, with a hint of what would be right.
    public init(_ source: String, event: String, fields: [String]) throws {
        self.event = event
        self.source = source
        var parser = EventFilterParser(source: source, event: event, fields: fields)
        root = try parser.parseWhole()
    }

    /// Whether `event` (a map) passes the filter.
    public func matches(_ event: Value) -> Bool {
        guard case .map(let m) = event else { return false }
        return Self.evaluate(root, m)
    }

    static func evaluate(_ node: Node, _ m: MapStorage) -> Bool {
        func text(_ field: String) -> String {
            if case .string(let s)? = m.get(.string(field)) { return s }
            return ""
        }
        switch node {
        case .equals(let f, let t): return text(f) == t
        case .oneOf(let f, let ts): return ts.contains(text(f))
        case .not(let n): return !evaluate(n, m)
        case .all(let ns): return ns.allSatisfy { evaluate($0, m) }
        case .any(let ns): return ns.contains { evaluate($0, m) }
        }
    }
}

/// An event source whose subscriptions filter the event's text fields with `EventFilter`: it names the fields,
/// and matching and validation come with it.
public protocol FieldFilteredEventSource: EventSource {
    /// The fields a filter may name (text fields of the event map).
    var filterFields: [String] { get }
}

extension FieldFilteredEventSource {
    public func matching(db: Database, filter: String?, events: [(cursor: Int64, value: Value)]) throws -> Set<Int64> {
        guard let filter else { return Set(events.map(\.cursor)) }
        let parsed = try EventFilter(filter, event: event, fields: filterFields)
        return Set(events.filter { parsed.matches($0.value) }.map(\.cursor))
    }

    public func validate(filter: String, db: Database) throws {
        _ = try EventFilter(filter, event: event, fields: filterFields)
    }
}
