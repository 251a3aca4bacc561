/// Block collections: `- x` entries at one column, and `key: value` entries with their keys, duplicates and
/// merge keys.
extension YAMLParser {
    /// Entries `- x` at `column`, starting at the first `-`.
    mutating func parseBlockSequence(column: Int) throws -> Value {
        try enter(at: pos)
        defer { depth -= 1 }
        nodeCount += 1
        var items: [Value] = []
        while true {
            if depth == 1 { topLevelEntryStarts.append(pos) }
            pos += 1  // the '-'
            items.append(try parseBlockNode(n: column, context: .seqEntry, onNewLine: false))
            if atEnd || isDocumentMarker(pos) { break }
            let indent = try lineIndent()
            if indent < column { break }
            if indent > column {
                throw error("bad indentation: expected a '- ' entry at column \(column + 1) or a line less indented", at: pos + indent)
            }
            // At the sequence's column but no '-': the end (a mapping at this column may go on with a key).
            guard isSequenceEntry(pos + indent) else { break }
            pos += indent
        }
        return .list(items)
    }

    /// A key of a block mapping, read up to its ':'.
    struct BlockKey {
        var text: String
        var at: Int
        var isMerge: Bool
    }

    /// A mapping whose entries sit at `column`; `first` is its first key, read already, with `pos` at its ':'.
    mutating func parseBlockMapping(column: Int, first: BlockKey) throws -> Value {
        try enter(at: first.at)
        defer { depth -= 1 }
        nodeCount += 1
        var builder = MappingBuilder()
        var key = first
        while true {
            pos += 1  // the ':'
            let value = try parseBlockNode(n: column, context: .mapValue, onNewLine: false)
            try add(key.text, value, isMerge: key.isMerge, at: key.at, to: &builder)
            if atEnd || isDocumentMarker(pos) { break }
            let indent = try lineIndent()
            if indent < column { break }
            if indent > column {
                throw error("bad indentation: expected a key at column \(column + 1) or a line less indented", at: pos + indent)
            }
            pos += indent
            key = try parseBlockKey(column: column)
        }
        return .map(builder.build())
    }

    /// A key at the start of a mapping line, up to and not past its ':'.
    mutating func parseBlockKey(column: Int) throws -> BlockKey {
        var anchorName: String? = nil
        if bytes[pos] == UInt8(ascii: "&") {
            anchorName = try readName()
            skipInlineSpace()
        }
        let start = pos
        let c = byte(pos)
        let text: String
        var isMerge = false
        var keyValue: Value
        switch c {
        case UInt8(ascii: "!"):
            throw tagError()
        case UInt8(ascii: "?") where isBlankOrEnd(pos + 1):
            throw error("explicit keys ('? ') are not supported; write 'key: value'", at: pos)
        case UInt8(ascii: "-") where isBlankOrEnd(pos + 1):
            throw error("a '- ' entry where a mapping key was expected; is the indentation right?", at: pos)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            throw error("a mapping key must be a scalar, not a flow collection", at: pos)
        case UInt8(ascii: ":") where isBlankOrEnd(pos + 1):
            throw error("a mapping key is missing before ':'", at: pos)
        case UInt8(ascii: "*"):
            if anchorName != nil { throw error("an alias cannot have an anchor", at: pos) }
            let (value, t) = try readAlias()
            guard let t else { throw error("a mapping key must be a scalar; this alias names a collection", at: start) }
            text = t
            keyValue = value
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let (t, multiLine) = try parseQuoted(floor: column)
            if multiLine { throw multiLineKeyError(at: start) }
            text = t
            keyValue = .string(t)
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            throw error("a block scalar cannot be a mapping key", at: pos)
        default:
            let plain = try parsePlainBlock(floor: Int.max)
            guard plain.isKey else {
                throw error("expected 'key: value' (a ':' and a space after the key); a key must fit on one line", at: start)
            }
            text = plain.text
            isMerge = text == "<<"
            keyValue = (try? YAMLCoreSchema.resolve(text)) ?? .string(text)
        }
        skipInlineSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":"), isBlankOrEnd(pos + 1) else {
            throw error("expected ':' after the key", at: pos)
        }
        if let anchorName { anchors[anchorName] = (keyValue, 1) }
        return BlockKey(text: text, at: start, isMerge: isMerge)
    }

    /// Adds one entry, refusing a duplicate key and checking what a merge key `<<` brings.
    mutating func add(_ key: String, _ value: Value, isMerge: Bool, at p: Int, to builder: inout MappingBuilder) throws {
        if isMerge {
            if builder.sawMerge { throw error("duplicate merge key '<<' in this mapping", at: p) }
            builder.sawMerge = true
            switch value {
            case .map(let m): builder.merges = [m]
            case .list(let xs):
                var maps: [MapStorage] = []
                for x in xs {
                    guard case .map(let m) = x else {
                        throw error("a merge key '<<' takes a mapping or a list of mappings, got a list holding a \(x.typeName)", at: p)
                    }
                    maps.append(m)
                }
                builder.merges = maps
            default:
                throw error("a merge key '<<' takes a mapping or a list of mappings, got \(value.typeName)", at: p)
            }
            return
        }
        let k = Value.string(key)
        if let firstAt = builder.keyPositions[key] {
            throw error("duplicate key \"\(key)\" in this mapping (first at \(position(firstAt))); YAML requires unique keys", at: p)
        }
        builder.keyPositions[key] = p
        builder.explicit.set(k, value)
        nodeCount += 1
    }
}

/// A mapping's own entries and the sources of its merge key, put together in ruamel.yaml's order.
struct MappingBuilder {
    var explicit = MapStorage()
    var keyPositions: [String: Int] = [:]
    var merges: [MapStorage] = []
    var sawMerge = false

    /// Merged keys first (sources applied last to first, so an earlier source wins), then the mapping's own
    /// keys, which override merged values in place.
    func build() -> MapStorage {
        if merges.isEmpty { return explicit }
        let m = MapStorage()
        for source in merges.reversed() {
            for (k, v) in source.pairs { m.set(k, v) }
        }
        for (k, v) in explicit.pairs { m.set(k, v) }
        return m
    }
}
