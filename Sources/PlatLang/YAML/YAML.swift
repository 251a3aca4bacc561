/// YAML 1.2 text ⇄ values, by hand like `JSON`: one document, block and flow collections, every scalar style,
/// comments, anchors and aliases, and the 1.2 core schema (so `no` and `on` stay strings and `0777` is the
/// int 777). Mapping key order is kept.
///
/// Choices where YAML leaves room or where the language has no matching value:
/// - Refused with the place and a reason: tags (`!!str`, `!x`), `%TAG` directives, a second document, block
///   keys that span lines (inside `{ }` a key may, as YAML allows), explicit `?` keys, empty keys, collections
///   as keys, duplicate keys, tabs used as indentation (or before a nested block collection).
/// - Keys are strings. A plain key keeps the text as written (`1: x` and `true: y` give the keys "1" and
///   "true"); so `1: a` beside `"1": b` is a duplicate key.
/// - Ints that do not fit in 64 bits are refused (quote them to keep them as text) rather than read as floats
///   that would silently lose digits.
/// - Merge keys (`<<: *base`, `<<: [*a, *b]`) are not part of the 1.2 core schema but are common in compose
///   and CI files, so they are supported the way ruamel.yaml does: merged keys first (an earlier source wins
///   over a later one), then the mapping's own keys, which win over merged ones. A quoted `"<<"` is a plain key.
/// - Aliases share the anchored value; all aliases of a document together may bring in at most
///   `maxAliasNodes` nodes, so a small text cannot expand into a huge value (the "billion laughs").
public enum YAML {
    /// Collections nested deeper than this are refused, in both directions, so recursion cannot exhaust the stack.
    public static let maxDepth = 256
    /// How many nodes all the aliases of one document may expand to, counted in full.
    public static let maxAliasNodes = 100_000

    /// Decodes one YAML document. `file` only names the text in errors (`FILE:LINE:COL: reason`).
    /// Throws `YAMLError` only.
    public static func decode(_ text: String, file: String? = nil) throws -> Value {
        var parser = YAMLParser(text: text, file: file)
        return try parser.parseStream()
    }

    /// Decodes like `decode`, and when the document is a sequence gives the line each entry starts on, so
    /// a reader of records (one per entry) can name the line of a bad one.
    public static func decodeRecords(_ text: String, file: String? = nil) throws -> (value: Value, entryLines: [Int]) {
        var parser = YAMLParser(text: text, file: file)
        let value = try parser.parseStream()
        var lines: [Int] = []
        lines.reserveCapacity(parser.topLevelEntryStarts.count)
        var line = 1, p = 0
        for start in parser.topLevelEntryStarts {
            while p < start {
                if parser.bytes[p] == 0x0A { line += 1 }
                p += 1
            }
            lines.append(line)
        }
        return (value, lines)
    }

    /// Block-style YAML text ending in a newline: `indent` spaces per level (2 to 9), strings quoted exactly
    /// when a plain scalar would read back as something else, multi-line strings as `|` block scalars when
    /// that keeps them exactly. Durations and sizes encode as their printed text; functions, modules, secrets
    /// and maps with non-string keys are errors.
    /// With `forYAML11Readers`, strings that a YAML 1.1 reader takes for booleans (`yes`, `no`, `on`, `off`,
    /// `y`, `n` in their usual cases) are quoted too: Kubernetes reads manifests with such a reader, and an
    /// unquoted `on` there is `true`, not the string.
    public static func encode(_ value: Value, indent: Int = 2, forYAML11Readers: Bool = false) throws -> String {
        guard (2...9).contains(indent) else {
            throw RuntimeError("yaml.encode() indent must be from 2 to 9, got \(indent)")
        }
        var encoder = YAMLEncoder(indent: indent)
        encoder.quoteYAML11Booleans = forYAML11Readers
        try encoder.writeDocument(value)
        return encoder.out
    }
}

/// A YAML text that cannot be read: where (1-based line and column, the column in characters) and why.
public struct YAMLError: Error, CustomStringConvertible, Equatable {
    public let file: String?
    public let line: Int
    public let column: Int
    public let reason: String

    public init(file: String?, line: Int, column: Int, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `FILE:LINE:COL: reason` the way compilers point at a place, or `invalid YAML at LINE:COL: reason`.
    public var description: String {
        if let file { return "\(file):\(line):\(column): \(reason)" }
        return "invalid YAML at \(line):\(column): \(reason)"
    }
}
