/// Flow collections: `[a, b]` and `{k: v}`, nested, over several lines, with comments between entries.
/// Inside them line breaks are only separators. YAML wants their lines indented more than the block
/// collection around them (`floor`); like libyaml and ruamel.yaml this reader does not insist, because
/// `key: [` ... `]` with the closing bracket at the key's column is common. Plain and quoted scalars in
/// them still continue only on lines indented more than `floor`.
extension YAMLParser {
    /// A flow node read for use as a value or a key.
    struct FlowNode {
        var value: Value
        /// The text of a scalar as a key (plain text as written); nil for collections.
        var keyText: String?
        /// Spans lines (cannot be a key).
        var multiLine = false
        /// Quoted or a collection: then a ':' right after it is an indicator even without a blank (JSON style).
        var jsonLike = false
        var isMergeKey = false
        /// No node at all (an empty entry such as the value in `{a: }`).
        var isEmpty = false
    }

    /// `[` or `{` at `pos`.
    mutating func parseFlowCollection(floor: Int) throws -> Value {
        try enter(at: pos)
        defer { depth -= 1 }
        nodeCount += 1
        return bytes[pos] == UInt8(ascii: "[") ? try parseFlowSequence(floor: floor) : try parseFlowMapping(floor: floor)
    }

    /// Skips blanks, line breaks and comments between flow tokens.
    mutating func skipFlowSpace(floor: Int, open: Int) throws {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == Self.space || c == Self.tab { pos += 1; continue }
            if c == UInt8(ascii: "#") {
                if pos > 0 && !isBlankOrEnd(pos - 1) { throw error("a comment needs a space before '#'", at: pos) }
                while pos < bytes.count && bytes[pos] != Self.newline { pos += 1 }
                continue
            }
            if c == Self.newline {
                pos += 1
                if isDocumentMarker(pos) {
                    throw error("unterminated flow collection (a document marker inside it)", at: open)
                }
                continue
            }
            return
        }
    }

    private mutating func parseFlowSequence(floor: Int) throws -> Value {
        let open = pos
        pos += 1
        var items: [Value] = []
        while true {
            try skipFlowSpace(floor: floor, open: open)
            guard pos < bytes.count else { throw error("unterminated flow sequence: expected ']'", at: open) }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
            if bytes[pos] == UInt8(ascii: ",") { throw error("an empty entry in a flow sequence (two commas?)", at: pos) }
            let entryAt = pos
            if depth == 1 { topLevelEntryStarts.append(entryAt) }
            let node = try parseFlowNode(floor: floor, open: open)
            try skipFlowSpace(floor: floor, open: open)
            if isFlowColon(after: node) {
                // `[key: value]`: a single-pair mapping as the entry; its key and ':' must be on one line.
                if node.isEmpty { throw error("a mapping key is missing before ':'", at: pos) }
                guard let key = node.keyText else { throw error("a mapping key must be a scalar, not a flow collection", at: entryAt) }
                if node.multiLine || bytes[entryAt..<pos].contains(Self.newline) { throw multiLineKeyError(at: entryAt) }
                pos += 1
                try skipFlowSpace(floor: floor, open: open)
                let value = try flowValue(floor: floor, open: open)
                var builder = MappingBuilder()
                try add(key, value, isMerge: node.isMergeKey, at: entryAt, to: &builder)
                items.append(.map(builder.build()))
                nodeCount += 1
            } else {
                if node.isEmpty { throw error("expected a value, ',' or ']'", at: pos) }
                items.append(node.value)
            }
            try skipFlowSpace(floor: floor, open: open)
            guard pos < bytes.count else { throw error("unterminated flow sequence: expected ']'", at: open) }
            switch bytes[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return .list(items)
            default: throw error("expected ',' or ']' in the flow sequence", at: pos)
            }
        }
    }

    private mutating func parseFlowMapping(floor: Int) throws -> Value {
        let open = pos
        pos += 1
        var builder = MappingBuilder()
        while true {
            try skipFlowSpace(floor: floor, open: open)
            guard pos < bytes.count else { throw error("unterminated flow mapping: expected '}'", at: open) }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .map(builder.build()) }
            if bytes[pos] == UInt8(ascii: ",") { throw error("an empty entry in a flow mapping (two commas?)", at: pos) }
            if bytes[pos] == UInt8(ascii: "?") && isBlankOrEnd(pos + 1) {
                throw error("explicit keys ('? ') are not supported; write 'key: value'", at: pos)
            }
            let keyAt = pos
            let node = try parseFlowNode(floor: floor, open: open)
            if node.isEmpty { throw error("a mapping key is missing before ':'", at: pos) }
            // Keys of a flow mapping may span lines (YAML limits only block keys and `[k: v]` pairs to one).
            guard let key = node.keyText else { throw error("a mapping key must be a scalar, not a flow collection", at: keyAt) }
            try skipFlowSpace(floor: floor, open: open)
            var value: Value = .null
            if isFlowColon(after: node) {
                pos += 1
                try skipFlowSpace(floor: floor, open: open)
                value = try flowValue(floor: floor, open: open)
            }
            try add(key, value, isMerge: node.isMergeKey, at: keyAt, to: &builder)
            try skipFlowSpace(floor: floor, open: open)
            guard pos < bytes.count else { throw error("unterminated flow mapping: expected '}'", at: open) }
            switch bytes[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return .map(builder.build())
            default: throw error("expected ',' or '}' in the flow mapping", at: pos)
            }
        }
    }

    /// Is `pos` at the ':' that ends a key? After a quoted key or a collection it may touch the value.
    private func isFlowColon(after node: FlowNode) -> Bool {
        guard byte(pos) == UInt8(ascii: ":") else { return false }
        return node.jsonLike || isBlankOrEnd(pos + 1) || Self.isFlowIndicator(byte(pos + 1))
    }

    /// The value after a flow ':', nil when empty (`{a: }`, `[a: ]`).
    private mutating func flowValue(floor: Int, open: Int) throws -> Value {
        let node = try parseFlowNode(floor: floor, open: open)
        return node.isEmpty ? .null : node.value
    }

    /// One node inside a flow collection, or an empty one when `pos` is at `,` `]` `}` or ':'.
    mutating func parseFlowNode(floor: Int, open: Int) throws -> FlowNode {
        var anchor: (name: String, at: Int, count: Int)? = nil
        if byte(pos) == UInt8(ascii: "&") {
            let at = pos
            let name = try readName()
            anchor = (name, at, nodeCount)
            openAnchors.insert(name)
            try skipFlowSpace(floor: floor, open: open)
        }
        guard pos < bytes.count else { throw error("unterminated flow collection", at: open) }
        let c = bytes[pos]
        var node: FlowNode
        switch c {
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"):
            node = FlowNode(value: .null, keyText: nil, isEmpty: true)
        case UInt8(ascii: ":") where isBlankOrEnd(pos + 1) || Self.isFlowIndicator(byte(pos + 1)):
            node = FlowNode(value: .null, keyText: nil, isEmpty: true)
        case UInt8(ascii: "!"):
            throw tagError()
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            node = FlowNode(value: try parseFlowCollection(floor: floor), keyText: nil, jsonLike: true)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let (text, multiLine) = try parseQuoted(floor: floor)
            nodeCount += 1
            node = FlowNode(value: .string(text), keyText: text, multiLine: multiLine, jsonLike: true)
        case UInt8(ascii: "*"):
            if anchor != nil { throw error("an alias cannot have an anchor", at: pos) }
            let (value, text) = try readAlias()
            node = FlowNode(value: value, keyText: text)
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            throw error("block scalars ('\(Character(Unicode.Scalar(c)))') are not allowed inside a flow collection", at: pos)
        case UInt8(ascii: "-") where isBlankOrEnd(pos + 1):
            throw error("a '- ' entry inside a flow collection; separate entries with ','", at: pos)
        case UInt8(ascii: "?") where isBlankOrEnd(pos + 1):
            throw error("explicit keys ('? ') are not supported; write 'key: value'", at: pos)
        default:
            let start = pos
            let (text, multiLine) = try parsePlainFlow(floor: floor)
            nodeCount += 1
            node = FlowNode(value: try resolvePlain(text, at: start), keyText: text, multiLine: multiLine,
                            isMergeKey: text == "<<")
        }
        if anchor != nil {
            node.value = finish(node.value, anchor)
        }
        return node
    }
}
