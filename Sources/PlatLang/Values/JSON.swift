/// JSON text ⇄ values, written by hand rather than with JSONSerialization so that ints stay ints, floats stay
/// floats (`2.0` reads back as a float), map key order is kept, and errors give a line and column.
public enum JSON {
    /// Nesting deeper than this is refused, in both directions, so neither recursion can exhaust the stack.
    public static let maxDepth = 512
    /// The largest `indent` of `json.encode`.
    public static let maxIndent = 32

    /// Encodes `value` compactly (`{"a":1,"b":[true,null]}`), or pretty-printed with `indent` spaces per
    /// level. Durations and sizes encode as their printed text; functions, modules, secrets, NaN and
    /// infinities, and maps with non-string keys are errors.
    public static func encode(_ value: Value, indent: Int? = nil) throws -> String {
        // Bounded above too: the indentation of each line is indent × depth spaces, and a huge indent would ask
        // for more memory than there is (a trap in String(repeating:), not an error).
        if let indent, !(0...JSON.maxIndent).contains(indent) {
            throw RuntimeError("json.encode() indent must be 0 to \(JSON.maxIndent), got \(indent)")
        }
        var encoder = Encoder(indent: indent)
        try encoder.write(value, depth: 0)
        return encoder.out
    }

    /// Decodes one JSON value; the whole text must be that value (whitespace around it allowed).
    /// Errors read "invalid JSON at line 1 column 7: expected ','".
    public static func decode(_ text: String) throws -> Value {
        do {
            return try decodeLocated(text)
        } catch let e as SyntaxError {
            throw RuntimeError("invalid JSON at line \(e.line) column \(e.column): \(e.reason)")
        }
    }

    /// Where a JSON text goes wrong, for callers that word the place themselves (`FILE:LINE:COL`).
    public struct SyntaxError: Error {
        public let line: Int
        public let column: Int
        public let reason: String
    }

    /// As `decode`, but a syntax error is a `SyntaxError` carrying the line and column.
    public static func decodeLocated(_ text: String) throws -> Value {
        var parser = Parser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let v = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.pos < parser.bytes.count { throw parser.error("unexpected text after the value") }
        return v
    }

    // MARK: - Encoding

    struct Encoder {
        let indent: Int?
        var out = ""

        mutating func write(_ v: Value, depth: Int) throws {
            switch v {
            case .null: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .int(let i): out += String(i)
            case .float(let d):
                guard d.isFinite else {
                    throw RuntimeError("json.encode() cannot encode \(Value.formatFloat(d)): JSON has no such number")
                }
                out += Value.formatFloat(d)
            case .string(let s): Value.writeQuoted(s, to: &out)
            case .duration, .size: Value.writeQuoted(v.printed, to: &out)
            case .list(let xs):
                if xs.isEmpty { out += "[]"; return }
                try enter(depth)
                out += "["
                for (i, x) in xs.enumerated() {
                    if i > 0 { out += "," }
                    newline(depth + 1)
                    try write(x, depth: depth + 1)
                }
                newline(depth)
                out += "]"
            case .map(let m):
                if m.count == 0 { out += "{}"; return }
                try enter(depth)
                out += "{"
                var first = true
                for (k, x) in m.pairs {
                    guard case .string(let key) = k else {
                        throw RuntimeError("json.encode() needs string map keys, got \(k.typeName) key \(k.repr)",
                                           hint: "convert the keys with str(k) first")
                    }
                    if !first { out += "," }
                    first = false
                    newline(depth + 1)
                    Value.writeQuoted(key, to: &out)
                    out += indent == nil ? ":" : ": "
                    try write(x, depth: depth + 1)
                }
                newline(depth)
                out += "}"
            case .closure, .builtin:
                throw RuntimeError("json.encode() cannot encode a function")
            case .module:
                throw RuntimeError("json.encode() cannot encode a module")
            case .secret:
                throw RuntimeError("json.encode() cannot encode a secret", hint: "reveal() it explicitly if it must be sent")
            }
        }

        private func enter(_ depth: Int) throws {
            if depth >= JSON.maxDepth {
                throw RuntimeError("json.encode() value is nested more than \(JSON.maxDepth) levels deep")
            }
        }

        private mutating func newline(_ depth: Int) {
            guard let indent else { return }
            out += "\n"
            out += String(repeating: " ", count: indent * depth)
        }
    }

    // MARK: - Decoding

    struct Parser {
        let bytes: [UInt8]
        var pos = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while pos < bytes.count {
                switch bytes[pos] {
                case 0x20, 0x09, 0x0A, 0x0D: pos += 1
                default: return
                }
            }
        }

        /// The byte at `pos`, or nil at the end.
        var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

        mutating func parseValue(depth: Int) throws -> Value {
            guard let c = peek else { throw error("expected a value, got the end of the text") }
            switch c {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error("expected a value")
            }
        }

        private mutating func literal(_ word: StaticString, _ value: Value) throws -> Value {
            let n = word.utf8CodeUnitCount
            let matches = word.withUTF8Buffer { w in
                pos + n <= bytes.count && (0..<n).allSatisfy { bytes[pos + $0] == w[$0] }
            }
            guard matches else { throw error("expected a value") }
            pos += n
            return value
        }

        private mutating func parseArray(depth: Int) throws -> Value {
            guard depth < JSON.maxDepth else { throw error("nested more than \(JSON.maxDepth) levels deep") }
            pos += 1  // [
            var items: [Value] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { pos += 1; return .list(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ",")?: pos += 1
                case UInt8(ascii: "]")?: pos += 1; return .list(items)
                default: throw error("expected ','")
                }
            }
        }

        private mutating func parseObject(depth: Int) throws -> Value {
            guard depth < JSON.maxDepth else { throw error("nested more than \(JSON.maxDepth) levels deep") }
            pos += 1  // {
            let m = MapStorage()
            skipWhitespace()
            if peek == UInt8(ascii: "}") { pos += 1; return .map(m) }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
                pos += 1
                skipWhitespace()
                m.set(.string(key), try parseValue(depth: depth + 1))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ",")?: pos += 1
                case UInt8(ascii: "}")?: pos += 1; return .map(m)
                default: throw error("expected ','")
                }
            }
        }

        /// A string starting at the opening quote; escapes decoded, surrogate pairs joined.
        private mutating func parseString() throws -> String {
            let open = pos
            pos += 1
            let start = pos
            // Fast path: no escapes, so the bytes between the quotes are the string.
            while pos < bytes.count {
                let b = bytes[pos]
                if b == UInt8(ascii: "\"") {
                    pos += 1
                    return String(decoding: bytes[start..<(pos - 1)], as: UTF8.self)
                }
                if b == UInt8(ascii: "\\") { break }
                if b < 0x20 { throw error("control character in a string (escape it, e.g. \\n)") }
                pos += 1
            }
            var buf = Array(bytes[start..<pos])
            while pos < bytes.count {
                let b = bytes[pos]
                if b == UInt8(ascii: "\"") {
                    pos += 1
                    return String(decoding: buf, as: UTF8.self)
                }
                if b < 0x20 { throw error("control character in a string (escape it, e.g. \\n)") }
                if b != UInt8(ascii: "\\") {
                    buf.append(b)
                    pos += 1
                    continue
                }
                pos += 1
                guard let e = peek else { break }
                pos += 1
                switch e {
                case UInt8(ascii: "\""): buf.append(0x22)
                case UInt8(ascii: "\\"): buf.append(0x5C)
                case UInt8(ascii: "/"): buf.append(0x2F)
                case UInt8(ascii: "b"): buf.append(0x08)
                case UInt8(ascii: "f"): buf.append(0x0C)
                case UInt8(ascii: "n"): buf.append(0x0A)
                case UInt8(ascii: "r"): buf.append(0x0D)
                case UInt8(ascii: "t"): buf.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try parseUnicodeEscape()
                    buf.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    pos -= 2
                    throw error("invalid escape in a string")
                }
            }
            pos = open
            throw error("unterminated string")
        }

        /// The scalar of `\uXXXX` (pos just after the `u`), joining a surrogate pair written as two escapes.
        private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
            let escapeStart = pos - 2
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high) {
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    pos = escapeStart
                    throw error("unpaired surrogate in a \\u escape")
                }
                pos += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else {
                    pos = escapeStart
                    throw error("unpaired surrogate in a \\u escape")
                }
                let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                if let s = Unicode.Scalar(value) { return s }
            } else if let s = Unicode.Scalar(high) {
                return s
            }
            pos = escapeStart
            throw error("unpaired surrogate in a \\u escape")
        }

        private mutating func hex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let b = peek else { throw error("expected 4 hex digits after \\u") }
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw error("expected 4 hex digits after \\u")
                }
                v = v << 4 | UInt32(d)
                pos += 1
            }
            return v
        }

        /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`: an int when it has neither fraction nor exponent
        /// and fits in 64 bits, else a float.
        private mutating func parseNumber() throws -> Value {
            let start = pos
            var isFloat = false
            if peek == UInt8(ascii: "-") { pos += 1 }
            guard let first = peek, isDigit(first) else { throw error("invalid number") }
            if first == UInt8(ascii: "0") {
                pos += 1
                if let next = peek, isDigit(next) { throw error("invalid number: leading zeros are not allowed") }
            } else {
                skipDigits()
            }
            if peek == UInt8(ascii: ".") {
                isFloat = true
                pos += 1
                guard let d = peek, isDigit(d) else { throw error("invalid number: expected a digit after '.'") }
                skipDigits()
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                isFloat = true
                pos += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
                guard let d = peek, isDigit(d) else { throw error("invalid number: expected a digit in the exponent") }
                skipDigits()
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if !isFloat {
                if let i = Int(text) { return .int(i) }
                // Read as a float it would silently lose digits, and JSON says this is an integer.
                pos = start
                throw error("the integer \(text.count > 30 ? String(text.prefix(27)) + "..." : text) does not fit in 64 bits (write it as a string, or with a fraction such as 1.0e22 to read it as a float)")
            }
            guard let d = Double(text) else {
                pos = start
                throw error("invalid number")
            }
            return .float(d)
        }

        private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

        private mutating func skipDigits() {
            while let b = peek, isDigit(b) { pos += 1 }
        }

        /// Line L, column C (counted in characters): MESSAGE.
        func error(_ message: String) -> SyntaxError {
            let at = min(pos, bytes.count)
            var line = 1, lineStart = 0
            for i in 0..<at where bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            let column = String(decoding: bytes[lineStart..<at], as: UTF8.self).count + 1
            return SyntaxError(line: line, column: column, reason: message)
        }
    }
}
