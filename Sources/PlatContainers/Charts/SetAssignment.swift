import PlatLang

/// One `--set` assignment (`image.tag=1.2`, `hosts[0]=a.example`, `args={-v,--port,80}`), parsed with Helm's
/// syntax and typed the way Helm types it:
/// - Several assignments may share one argument, separated by commas: `--set a=1,b.c=2`.
/// - A key is a path of names joined by '.', with `[N]` to index a list (`servers[0].port=80`, `m[1][0]=x`).
/// - `{x,y}` is a list value.
/// - A backslash takes the next character literally, so `\.`, `\,`, `\=`, `\[` and `\\` write those characters
///   in keys and values (`--set labels.app\.kubernetes\.io/name=web`).
/// - Values are typed like Helm's: true/false (any case) are bools, null removes the key, integers without a
///   leading zero are ints; everything else (floats such as 1.5 included) stays a string. `--set-string`
///   keeps every value a string.
public struct SetAssignment: Equatable {
    public enum Step: Equatable, Sendable {
        case key(String)
        case index(Int)
    }

    public var path: [Step]
    public var value: Value
    /// The assignment as written, for messages.
    public var text: String

    /// A list index above this is refused (a typo such as `a[100000000]` would otherwise allocate the list).
    public static let maxIndex = 65_536

    public static func == (a: SetAssignment, b: SetAssignment) -> Bool {
        a.path == b.path && a.value == b.value && a.text == b.text
    }

    /// The assignments of one `--set` (or, with `asStrings`, `--set-string`) argument.
    public static func parse(_ argument: String, asStrings: Bool = false) throws -> [SetAssignment] {
        var reader = Reader(chars: Array(argument), argument: argument, flag: asStrings ? "--set-string" : "--set")
        var out: [SetAssignment] = []
        repeat {
            out.append(try reader.assignment(asStrings: asStrings))
        } while reader.skip(",")
        return out
    }

    /// `values` with this assignment made: maps and lists on the path are created where missing (a list is
    /// padded with nil up to the index) and replaced where they are another kind of value; a nil value removes
    /// the key.
    public func apply(to values: Value) throws -> Value {
        try Self.assign(value, at: path[...], into: values, text: text)
    }

    private static func assign(_ value: Value, at path: ArraySlice<Step>, into current: Value, text: String) throws -> Value {
        guard let step = path.first else { return value }
        let rest = path.dropFirst()
        switch step {
        case .key(let k):
            let m: MapStorage
            if case .map(let existing) = current { m = MapStorage(copying: existing) } else { m = MapStorage() }
            if rest.isEmpty && value.isNil {
                _ = m.remove(.string(k))
            } else {
                m.set(.string(k), try assign(value, at: rest, into: m.get(.string(k)) ?? .null, text: text))
            }
            return .map(m)
        case .index(let i):
            var xs: [Value] = []
            if case .list(let existing) = current { xs = existing }
            while xs.count <= i { xs.append(.null) }
            xs[i] = try assign(value, at: rest, into: xs[i], text: text)
            return .list(xs)
        }
    }

    /// Helm's typing of a `--set` value.
    static func typed(_ text: String) -> Value {
        switch text.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default: break
        }
        if text == "0" { return .int(0) }
        if let first = text.first, first != "0", !(text.hasPrefix("-0")), !text.hasPrefix("+"), let i = Int(text) {
            return .int(i)
        }
        return .string(text)
    }

    /// Walks one argument character by character.
    private struct Reader {
        let chars: [Character]
        let argument: String
        let flag: String
        var i = 0

        init(chars: [Character], argument: String, flag: String) {
            self.chars = chars
            self.argument = argument
            self.flag = flag
        }

        mutating func skip(_ c: Character) -> Bool {
            if i < chars.count && chars[i] == c { i += 1; return true }
            return false
        }

        func fail(_ message: String, hint: String? = nil) -> ContainerInputError {
            ContainerInputError("\(flag) \"\(argument)\": \(message)",
                       hint: hint ?? "write KEY=VALUE, e.g. \(flag) image.tag=1.2 or \(flag) hosts[0]=a.example")
        }

        mutating func assignment(asStrings: Bool) throws -> SetAssignment {
            let start = i
            var path: [Step] = []
            var key = ""
            var keyStarted = false
            func endKey() throws {
                guard keyStarted else { throw fail("a key has an empty part at column \(i + 1)") }
                path.append(.key(key))
                key = ""
                keyStarted = false
            }
            keyLoop: while true {
                guard i < chars.count else {
                    let written = String(chars[start..<i])
                    throw fail(written.isEmpty ? "an assignment is empty" : "'\(written)' has no value",
                               hint: written.isEmpty ? nil : "write \(written)=VALUE (\(written)= sets the empty string)")
                }
                let c = chars[i]
                i += 1
                switch c {
                case "\\":
                    guard i < chars.count else { throw fail("a backslash ends the argument") }
                    key.append(chars[i]); keyStarted = true; i += 1
                case ".":
                    if keyStarted { try endKey() } else if path.isEmpty || !lastWasIndex(path) {
                        throw fail("a key has an empty part at column \(i)")
                    }
                case "[":
                    if keyStarted { try endKey() }
                    guard !path.isEmpty else { throw fail("a key starts with '[' at column \(i)", hint: "name the list first: list[0]=x") }
                    var digits = ""
                    while i < chars.count, chars[i] != "]" { digits.append(chars[i]); i += 1 }
                    guard i < chars.count else { throw fail("'[' at column \(i - digits.count) is not closed") }
                    i += 1
                    guard let n = Int(digits), n >= 0, digits.allSatisfy(\.isASCII) else {
                        throw fail("list index '[\(digits)]' is not a whole number of 0 or more")
                    }
                    guard n <= SetAssignment.maxIndex else {
                        throw fail("list index \(n) is larger than \(SetAssignment.maxIndex)")
                    }
                    path.append(.index(n))
                    if i < chars.count, ![".", "[", "="].contains(chars[i]) {
                        throw fail("'\(chars[i])' after ']' at column \(i + 1); expected '.', '[' or '='")
                    }
                case "=":
                    if keyStarted { try endKey() } else if path.isEmpty { throw fail("an assignment has no key") }
                    break keyLoop
                case ",":
                    throw fail("'\(String(chars[start..<(i - 1)]))' has no value",
                               hint: "write KEY=VALUE; a comma separates assignments (\\, writes a comma)")
                default:
                    key.append(c); keyStarted = true
                }
            }
            let value: Value
            if i < chars.count && chars[i] == "{" {
                i += 1
                var items: [Value] = []
                var item = ""
                var closed = false
                while i < chars.count {
                    let c = chars[i]
                    i += 1
                    if c == "\\", i < chars.count { item.append(chars[i]); i += 1; continue }
                    if c == "," || c == "}" {
                        if !(c == "}" && item.isEmpty && items.isEmpty) {
                            items.append(asStrings ? .string(item) : SetAssignment.typed(item))
                        }
                        item = ""
                        if c == "}" { closed = true; break }
                        continue
                    }
                    item.append(c)
                }
                guard closed else { throw fail("the list value starting with '{' is not closed with '}'") }
                if i < chars.count && chars[i] != "," {
                    throw fail("'\(chars[i])' after '}' at column \(i + 1); expected ',' or the end")
                }
                value = .list(items)
            } else {
                var text = ""
                while i < chars.count, chars[i] != "," {
                    if chars[i] == "\\", i + 1 < chars.count { text.append(chars[i + 1]); i += 2; continue }
                    text.append(chars[i])
                    i += 1
                }
                value = asStrings ? .string(text) : SetAssignment.typed(text)
            }
            return SetAssignment(path: path, value: value, text: String(chars[start..<i]))
        }

        private func lastWasIndex(_ path: [Step]) -> Bool {
            if case .index = path.last { return true }
            return false
        }
    }
}
