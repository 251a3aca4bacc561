/// Reads one YAML document from UTF-8 bytes by recursive descent over the block structure; block collections,
/// flow collections and scalars are in the extensions beside this file. Positions are byte offsets; a line and
/// column are worked out only for an error. Every scan moves forward over the bytes once, so decoding is linear.
///
/// The block parsing follows one invariant: a block node returns with `pos` at the start of the next line
/// that has content (comment and blank lines skipped), or at the end of the text, so its caller decides by
/// that line's indentation whether the node's collection goes on.
struct YAMLParser {
    let bytes: [UInt8]
    let file: String?
    var pos = 0
    /// Anchors defined so far: the value, and how many nodes it stands for when expanded.
    var anchors: [String: (value: Value, size: Int)] = [:]
    /// Anchors whose node is still being read, so `&a [*a]` gets a clear error.
    var openAnchors: Set<String> = []
    /// Nodes made so far, counting every alias as the nodes it expands to.
    var nodeCount = 0
    /// Nodes brought in by aliases so far (bounded by `YAML.maxAliasNodes`).
    var aliasNodes = 0
    var depth = 0
    /// Where each entry of a top-level sequence starts, for `YAML.decodeRecords`.
    var topLevelEntryStarts: [Int] = []

    /// Where a block node stands, which decides what may start on its first line.
    enum Context {
        /// The top of the document.
        case document
        /// After `key:`; a sequence may sit at the key's own indentation on the next lines.
        case mapValue
        /// After `-`; a compact mapping or sequence may start on the same line (`- a: 1`, `- - x`).
        case seqEntry
    }

    init(text: String, file: String?) {
        var b = Array(text.utf8)
        // CR LF and a lone CR are line breaks: make them LF once, so the scanners see one kind. Lines and
        // columns stay the same.
        if b.contains(0x0D) {
            var n: [UInt8] = []
            n.reserveCapacity(b.count)
            var i = 0
            while i < b.count {
                if b[i] == 0x0D {
                    n.append(0x0A)
                    if i + 1 < b.count && b[i + 1] == 0x0A { i += 1 }
                } else {
                    n.append(b[i])
                }
                i += 1
            }
            b = n
        }
        bytes = b
        self.file = file
    }

    // MARK: - Bytes

    static let space: UInt8 = 0x20, tab: UInt8 = 0x09, newline: UInt8 = 0x0A

    var atEnd: Bool { pos >= bytes.count }

    /// The byte at `p`, or 0 past the end (the text holds no NUL: `checkCharacters` refuses it).
    func byte(_ p: Int) -> UInt8 { p < bytes.count ? bytes[p] : 0 }

    /// A space, a tab, a line break or the end: what must follow `-`, `?` and `:` as indicators.
    func isBlankOrEnd(_ p: Int) -> Bool {
        p >= bytes.count || bytes[p] == Self.space || bytes[p] == Self.tab || bytes[p] == Self.newline
    }

    func isLineEnd(_ p: Int) -> Bool { p >= bytes.count || bytes[p] == Self.newline }

    static func isFlowIndicator(_ c: UInt8) -> Bool {
        c == UInt8(ascii: ",") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
            || c == UInt8(ascii: "{") || c == UInt8(ascii: "}")
    }

    mutating func skipInlineSpace() {
        while pos < bytes.count && (bytes[pos] == Self.space || bytes[pos] == Self.tab) { pos += 1 }
    }

    func lineStart(of p: Int) -> Int {
        var s = min(p, bytes.count)
        while s > 0 && bytes[s - 1] != Self.newline { s -= 1 }
        return s
    }

    /// The column of `p` in bytes from the line start; used for indentation, where only spaces count.
    func column(_ p: Int) -> Int { p - lineStart(of: p) }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    func isDocumentMarker(_ p: Int) -> Bool {
        guard p + 3 <= bytes.count, p == 0 || bytes[p - 1] == Self.newline else { return false }
        let c = bytes[p]
        guard c == UInt8(ascii: "-") || c == UInt8(ascii: ".") else { return false }
        return bytes[p + 1] == c && bytes[p + 2] == c && isBlankOrEnd(p + 3)
    }

    /// From a line break or a line start, past blank and comment-only lines, to the start of the next line
    /// with content or the end.
    mutating func nextContentLine() {
        if pos < bytes.count && bytes[pos] == Self.newline { pos += 1 }
        while pos < bytes.count {
            let start = pos
            skipInlineSpace()
            if atEnd { return }
            if bytes[pos] == Self.newline { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "#") {
                while pos < bytes.count && bytes[pos] != Self.newline { pos += 1 }
                continue
            }
            pos = start
            return
        }
    }

    /// The indentation (leading spaces) of the line starting at `pos`. A tab before the content is refused:
    /// YAML indents with spaces only, and a tab would make the structure depend on tab width.
    func lineIndent() throws -> Int {
        var p = pos
        while p < bytes.count && bytes[p] == Self.space { p += 1 }
        if p < bytes.count && bytes[p] == Self.tab {
            throw error("a tab is used for indentation; YAML indents with spaces only", at: p)
        }
        return p - pos
    }

    /// After a node on its line: spaces, maybe a comment, then the line end; moves on to the next content line.
    mutating func finishLine(after what: String) throws {
        let before = pos
        skipInlineSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "#") {
            if pos == before && pos > 0 && !isBlankOrEnd(pos - 1) {
                throw error("a comment needs a space before '#'", at: pos)
            }
            while pos < bytes.count && bytes[pos] != Self.newline { pos += 1 }
        }
        guard isLineEnd(pos) else {
            if bytes[pos] == UInt8(ascii: ":") {
                throw error("unexpected ':' after \(what); a mapping cannot start here (is the indentation right?)", at: pos)
            }
            throw error("unexpected text after \(what)", at: pos)
        }
        nextContentLine()
    }

    // MARK: - Errors

    /// An error at byte offset `p`, with the line and the column counted in characters.
    func error(_ reason: String, at p: Int) -> YAMLError {
        let at = min(max(p, 0), bytes.count)
        var line = 1
        for i in 0..<at where bytes[i] == Self.newline { line += 1 }
        let start = lineStart(of: at)
        let column = String(decoding: bytes[start..<at], as: UTF8.self).count + 1
        return YAMLError(file: file, line: line, column: column, reason: reason)
    }

    func position(_ p: Int) -> String {
        let e = error("", at: p)
        return "\(e.line):\(e.column)"
    }

    // MARK: - The stream and its one document

    mutating func parseStream() throws -> Value {
        try checkCharacters()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        nextContentLine()
        // Directives: `%YAML 1.x` is fine (this reader is 1.2); `%TAG` introduces tags, which are refused.
        var sawDirective = false
        var sawVersion = false
        while pos < bytes.count && bytes[pos] == UInt8(ascii: "%") {
            let lineEnd = bytes[pos...].firstIndex(of: Self.newline) ?? bytes.count
            let text = String(decoding: bytes[pos..<lineEnd], as: UTF8.self)
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.first == "%YAML" {
                if sawVersion { throw error("a second %YAML directive", at: pos) }
                sawVersion = true
                let version = words.count > 1 ? String(words[1]) : ""
                guard version.hasPrefix("1.") else {
                    throw error("YAML version \(version) is not supported (this reader is YAML 1.2)", at: pos)
                }
                if words.count > 2 && !words[2].hasPrefix("#") {
                    throw error("unexpected text after the %YAML version", at: pos)
                }
            } else if words.first == "%TAG" {
                throw error("%TAG directives are not supported: tags are refused", at: pos)
            }
            // Other directives are reserved; YAML says to ignore them.
            sawDirective = true
            pos = lineEnd
            nextContentLine()
        }
        var value: Value = .null
        if pos < bytes.count && isDocumentMarker(pos) && bytes[pos] == UInt8(ascii: "-") {
            pos += 3
            value = try parseBlockNode(n: -1, context: .document, onNewLine: false)
        } else {
            if sawDirective { throw error("a directive must be followed by '---'", at: pos) }
            if pos < bytes.count && !isDocumentMarker(pos) {
                value = try parseBlockNode(n: -1, context: .document, onNewLine: true)
            }
        }
        if pos < bytes.count && isDocumentMarker(pos) && bytes[pos] == UInt8(ascii: ".") {
            pos += 3
            try finishLine(after: "'...'")
            if pos < bytes.count {
                throw error("only one document is supported; found more after '...'", at: pos)
            }
        }
        if pos < bytes.count {
            if isDocumentMarker(pos) {
                throw error("only one document is supported; found a second '---'", at: pos)
            }
            throw error("unexpected content; check the indentation of this line against the lines above", at: pos)
        }
        return value
    }

    /// Control characters other than tab and line breaks may appear only escaped in a double-quoted scalar.
    func checkCharacters() throws {
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c < 0x20 && c != Self.tab && c != Self.newline || c == 0x7F {
                throw error("control character U+\(hex(UInt32(c))) is not allowed in YAML text; escape it in a double-quoted string", at: i)
            }
            // C1 controls (U+0080 to U+009F, encoded C2 80 to C2 9F), except NEL (U+0085).
            if c == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]), bytes[i + 1] != 0x85 {
                throw error("control character U+\(hex(UInt32(bytes[i + 1]))) is not allowed in YAML text; escape it in a double-quoted string", at: i)
            }
            i += 1
        }
    }

    func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    // MARK: - Block nodes

    typealias Anchor = (name: String, at: Int, count: Int)

    /// A node after an indicator (`key:`, `-`, `---`) or at the document top. `n` is the indentation of the
    /// collection the node belongs to (-1 at the top); lines of the node must be indented more than `n`.
    ///
    /// An anchor followed by a line break names the node (`key: &a` then a mapping below); one on the line of
    /// a mapping's first key names that key (`&k key: v`), as YAML's grammar has it.
    mutating func parseBlockNode(n: Int, context: Context, onNewLine: Bool) throws -> Value {
        var newLine = onNewLine
        let separatorStart = pos
        var outer: Anchor? = nil
        var inline: Anchor? = nil
        while true {
            skipInlineSpace()
            if atEnd || bytes[pos] == Self.newline || bytes[pos] == UInt8(ascii: "#") {
                if pos < bytes.count && bytes[pos] == UInt8(ascii: "#") && pos > 0 && !isBlankOrEnd(pos - 1) {
                    throw error("a comment needs a space before '#'", at: pos)
                }
                while pos < bytes.count && bytes[pos] != Self.newline { pos += 1 }
                nextContentLine()
                newLine = true
                if let a = inline {
                    if outer != nil { throw error("a node has two anchors", at: a.at) }
                    outer = a
                    inline = nil
                }
                if atEnd || isDocumentMarker(pos) { return finish(.null, outer) }
                let indent = try lineIndent()
                if indent > n {
                    pos += indent
                    continue
                }
                if indent == n && context == .mapValue && isSequenceEntry(pos + indent) {
                    pos += indent
                    return finish(try parseBlockSequence(column: n), outer)
                }
                return finish(.null, outer)
            }
            let c = bytes[pos]
            if c == UInt8(ascii: "&") {
                if inline != nil { throw error("a node has two anchors", at: pos) }
                let at = pos
                let name = try readName()
                inline = (name, at, nodeCount)
                openAnchors.insert(name)
                continue
            }
            if c == UInt8(ascii: "!") { throw tagError() }
            break
        }
        let start = pos
        // A mapping's column is where its first line starts: at a key's anchor if it has one.
        let column = self.column(inline?.at ?? pos)
        // A block collection may begin here only on a line of its own or right after `-`, and not after a
        // tab (it would be indentation of unknown width).
        let compactAllowed = newLine || context == .seqEntry
        let tabBefore = !newLine && bytes[separatorStart..<start].contains(Self.tab)
        func checkCompact() throws {
            guard compactAllowed else { throw mappingHereError() }
            if tabBefore { throw error("a tab before a nested block collection works as indentation; use spaces", at: start) }
        }
        /// The anchor of a node that is not a mapping: at most one of the two.
        func nodeAnchor() throws -> Anchor? {
            if let i = inline, outer != nil { throw error("a node has two anchors", at: i.at) }
            return outer ?? inline
        }
        let c = bytes[pos]
        switch c {
        case UInt8(ascii: "-") where isBlankOrEnd(pos + 1):
            guard compactAllowed else {
                throw error("a sequence cannot start on the line of its key; put the '- ' entries on the next lines", at: pos)
            }
            try checkCompact()
            if let i = inline {
                throw error("an anchor cannot stand before a '- ' entry on its line; put it on the line above", at: i.at)
            }
            return finish(try parseBlockSequence(column: column), outer)
        case UInt8(ascii: "?") where isBlankOrEnd(pos + 1):
            throw error("explicit keys ('? ') are not supported; write 'key: value'", at: pos)
        case UInt8(ascii: ":") where isBlankOrEnd(pos + 1):
            throw error("a mapping key is missing before ':' (empty keys are not supported)", at: pos)
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            let anchor = try nodeAnchor()
            return finish(try parseBlockScalar(n: n), anchor)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let anchor = try nodeAnchor()
            let v = try parseFlowCollection(floor: n)
            skipInlineSpace()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: ":") {
                throw error("a mapping key must be a scalar, not a flow collection", at: start)
            }
            try finishLine(after: "the flow collection")
            return finish(v, anchor)
        case UInt8(ascii: "*"):
            if let i = inline { throw error("an alias cannot have an anchor", at: i.at) }
            let (value, text) = try readAlias()
            skipInlineSpace()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: ":") && isBlankOrEnd(pos + 1) {
                try checkCompact()
                guard let text else { throw error("a mapping key must be a scalar; this alias names a collection", at: start) }
                let first = BlockKey(text: text, at: start, isMerge: false)
                return finish(try parseBlockMapping(column: column, first: first), outer)
            }
            if let o = outer { throw error("an alias cannot have an anchor", at: o.at) }
            try finishLine(after: "the alias")
            return value
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let (text, multiLine) = try parseQuoted(floor: n)
            skipInlineSpace()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: ":") && isBlankOrEnd(pos + 1) {
                try checkCompact()
                if multiLine { throw multiLineKeyError(at: start) }
                nameKey(inline, .string(text))
                return finish(try parseBlockMapping(column: column, first: BlockKey(text: text, at: start, isMerge: false)), outer)
            }
            let anchor = try nodeAnchor()
            try finishLine(after: "the quoted scalar")
            nodeCount += 1
            return finish(.string(text), anchor)
        case UInt8(ascii: "@"), UInt8(ascii: "`"):
            throw error("'\(Character(Unicode.Scalar(c)))' is reserved and cannot start a plain scalar; quote the value", at: pos)
        case UInt8(ascii: "%"):
            throw error("'%' cannot start a plain scalar; quote the value", at: pos)
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","):
            throw error("unexpected '\(Character(Unicode.Scalar(c)))' outside a flow collection; quote the value", at: pos)
        default:
            let plain = try parsePlainBlock(floor: n)
            if plain.isKey {
                try checkCompact()
                let text = plain.text
                nameKey(inline, (try? YAMLCoreSchema.resolve(text)) ?? .string(text))
                let first = BlockKey(text: text, at: start, isMerge: text == "<<")
                return finish(try parseBlockMapping(column: column, first: first), outer)
            }
            let anchor = try nodeAnchor()
            let value = try resolvePlain(plain.text, at: start)
            try finishLine(after: "the value")
            nodeCount += 1
            return finish(value, anchor)
        }
    }

    /// Registers the anchor written before a mapping's first key (`&k key: v`) for that key.
    private mutating func nameKey(_ anchor: Anchor?, _ value: Value) {
        guard let a = anchor else { return }
        anchors[a.name] = (value, 1)
        openAnchors.remove(a.name)
    }

    /// Records the anchor of a finished node, with the number of nodes it stands for.
    mutating func finish(_ value: Value, _ anchor: Anchor?) -> Value {
        if let anchor {
            anchors[anchor.name] = (value, max(1, nodeCount - anchor.count))
            openAnchors.remove(anchor.name)
        }
        return value
    }

    func isSequenceEntry(_ p: Int) -> Bool {
        p < bytes.count && bytes[p] == UInt8(ascii: "-") && isBlankOrEnd(p + 1)
    }

    func mappingHereError() -> YAMLError {
        error("a mapping cannot start here: a 'key: value' on the same line as its parent key is not allowed", at: pos)
    }

    func multiLineKeyError(at p: Int) -> YAMLError {
        error("a mapping key must fit on one line (implicit keys cannot span lines)", at: p)
    }

    func tagError() -> YAMLError {
        var end = pos
        while end < bytes.count && !isBlankOrEnd(end) && !Self.isFlowIndicator(bytes[end]) { end += 1 }
        let tag = String(decoding: bytes[pos..<end], as: UTF8.self)
        return error("tags are not supported (\(tag)); write the value without a tag, quoted if it must stay a string", at: pos)
    }

    /// An anchor or alias name after `&` or `*`: any run of non-blank characters except flow indicators.
    mutating func readName() throws -> String {
        let sigil = pos
        pos += 1
        let start = pos
        while pos < bytes.count && !isBlankOrEnd(pos) && !Self.isFlowIndicator(bytes[pos]) { pos += 1 }
        guard pos > start else {
            throw error("'\(Character(Unicode.Scalar(bytes[sigil])))' must be followed by a name", at: sigil)
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// `*name`: the anchored value, and its text when it is a scalar (for use as a key). Counts the nodes the
    /// alias stands for against `YAML.maxAliasNodes`.
    mutating func readAlias() throws -> (Value, String?) {
        let at = pos
        let name = try readName()
        guard let (value, size) = anchors[name] else {
            if openAnchors.contains(name) {
                throw error("alias *\(name) refers to the node it is inside; recursive structures are not supported", at: at)
            }
            throw error("unknown anchor '\(name)' (an anchor must be defined with &\(name) before its alias)", at: at)
        }
        aliasNodes += size
        nodeCount += size
        if aliasNodes > YAML.maxAliasNodes {
            throw error("aliases expand to more than \(YAML.maxAliasNodes) nodes; refusing a document that grows this much", at: at)
        }
        return (value, Self.scalarText(value))
    }

    /// The text of a scalar value when used as a key; nil for collections.
    static func scalarText(_ v: Value) -> String? {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d): return YAMLCoreSchema.formatFloat(d)
        case .string(let s): return s
        default: return nil
        }
    }

    func resolvePlain(_ text: String, at p: Int) throws -> Value {
        do {
            return try YAMLCoreSchema.resolve(text) ?? .string(text)
        } catch let e as YAMLCoreSchema.TooBig {
            throw error(e.reason, at: p)
        }
    }

    mutating func enter(at p: Int) throws {
        depth += 1
        if depth > YAML.maxDepth {
            throw error("collections nested more than \(YAML.maxDepth) levels deep", at: p)
        }
    }
}
