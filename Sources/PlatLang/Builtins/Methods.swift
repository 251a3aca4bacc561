/// Every method name of strings, lists and maps, so call sites can be resolved to an enum before running.
public enum MethodName: String, CaseIterable, Sendable {
    // Strings (some shared with lists and maps).
    case split, join, upper, lower, trim
    case trimStart = "trim_start", trimEnd = "trim_end"
    case startsWith = "starts_with", endsWith = "ends_with"
    case contains, replace, lines, find, count, chars
    // Lists.
    case append, extend, insert, pop, remove, index, clear
    // Maps.
    case get, keys, values, items
}

/// Method calls on strings, lists and maps: `receiver.name(args)`.
public enum Methods {
    static let stringMethods: [MethodName] = [
        .split, .join, .upper, .lower, .trim, .trimStart, .trimEnd, .startsWith, .endsWith,
        .contains, .replace, .lines, .find, .count, .chars,
    ]
    static let listMethods: [MethodName] = [
        .append, .extend, .insert, .pop, .remove, .index, .contains, .count, .join, .clear,
    ]
    static let mapMethods: [MethodName] = [.get, .keys, .values, .items, .remove, .contains, .clear]

    /// The methods a value of type `typeName` has (empty for types without methods).
    public static func names(forType typeName: String) -> [MethodName] {
        switch typeName {
        case "string": return stringMethods
        case "list": return listMethods
        case "map": return mapMethods
        default: return []
        }
    }

    /// Methods that change their receiver (append, extend, insert, pop, remove, clear...): calling one on a `let`
    /// is an error the interpreter reports.
    public static func isMutating(_ name: MethodName, receiverType: String) -> Bool {
        switch receiverType {
        case "list":
            switch name {
            case .append, .extend, .insert, .pop, .remove, .clear: return true
            default: return false
            }
        case "map":
            switch name {
            case .remove, .clear: return true
            default: return false
            }
        default:
            return false
        }
    }

    /// Calls `receiver.name(args)`. The receiver is inout so mutating methods change it in place; a method that
    /// does not exist for the receiver's type throws RuntimeError("list has no method 'upper'", hint: did-you-mean).
    public static func call(_ name: MethodName, on receiver: inout Value, _ args: inout Arguments,
                            _ ctx: CallContext) throws -> Value {
        // Tag tests, not a `switch receiver`: a switch keeps a copy of the payload alive for its whole body,
        // which would make the array non-unique and every `append` a full copy.
        if case .list = receiver { return try callListMethod(name, on: &receiver, args) }
        if case .map = receiver { return try callMapMethod(name, on: &receiver, args) }
        if case .string(let s) = receiver { return try callStringMethod(name, on: s, args) }
        throw noMethod(name.rawValue, on: receiver.typeName)
    }

    /// The error for `x.name(...)` when `x`'s type has no such method; also usable by the interpreter for
    /// names that are not methods of any type.
    public static func noMethod(_ name: String, on typeName: String) -> RuntimeError {
        let candidates = names(forType: typeName).map(\.rawValue)
        if candidates.isEmpty {
            return RuntimeError("\(typeName) has no method '\(name)'",
                                hint: "methods exist on strings, lists and maps")
        }
        if let hint = foreignMethodHint(name, typeName: typeName, candidates: candidates) {
            return RuntimeError("\(typeName) has no method '\(name)'", hint: hint)
        }
        // `xs.len()`, `xs.sorted()`: the name of a function is a better hint than a method it resembles.
        if let global = Builtins.globals[name], case .builtin = global {
            return RuntimeError("\(typeName) has no method '\(name)'", hint: "\(name) is a function: \(name)(x)")
        }
        if let near = closestName(to: name, in: candidates) {
            return RuntimeError("\(typeName) has no method '\(name)'", hint: "did you mean '\(near)'?")
        }
        return RuntimeError("\(typeName) has no method '\(name)'",
                            hint: "\(typeName) methods: \(candidates.joined(separator: ", "))")
    }

    /// Methods by the names other languages give them (`xs.sort()`, `s.strip()`, `xs.push(x)`), which an edit
    /// distance does not find: the .plat spelling when this type has one.
    static func foreignMethodHint(_ name: String, typeName: String, candidates: [String]) -> String? {
        let functions: [String: String] = [
            "sort": "sorted(x) returns a sorted copy", "reverse": "reversed(x) returns a reversed copy",
            "length": "the length is len(x)", "size": "the length is len(x)",
            "rjust": "strings.pad_left(s, width) of std/strings", "padStart": "strings.pad_left(s, width) of std/strings",
            "ljust": "strings.pad_right(s, width) of std/strings", "padEnd": "strings.pad_right(s, width) of std/strings",
            "zfill": "strings.pad_left(s, width, \"0\") of std/strings", "center": "strings.center(s, width) of std/strings",
            "title": "strings.title(s) of std/strings", "capitalize": "strings.title(s) of std/strings",
            "isspace": "strings.is_blank(s) of std/strings", "repeat": "s * n repeats a string",
            "format": "build text with interpolation: \"\\(x) items\"",
        ]
        if let f = functions[name] { return f }
        let methods: [String: String] = [
            "strip": "trim", "lstrip": "trim_start", "rstrip": "trim_end", "trimStart": "trim_start", "trimEnd": "trim_end",
            "push": "append", "add": "append", "has": "contains", "has_key": "contains", "includes": "contains",
            "indexOf": typeName == "string" ? "find" : "index", "index_of": typeName == "string" ? "find" : "index",
            "delete": "remove", "del": "remove", "splitlines": "lines", "toUpperCase": "upper", "toLowerCase": "lower",
            "uppercase": "upper", "lowercase": "lower", "startswith": "starts_with", "endswith": "ends_with",
            "startsWith": "starts_with", "endsWith": "ends_with", "pop": "remove",
        ]
        if let m = methods[name], candidates.contains(m) { return "did you mean '\(m)'?" }
        return nil
    }

    /// Joins the printed form of `items` with `separator`, reserving the whole result up front.
    static func join(_ items: [Value], separator: String) -> String {
        if let joined = joinStrings(items, separator: separator) { return joined }
        var size = separator.utf8.count * Swift.max(0, items.count - 1)
        for x in items {
            if case .string(let s) = x { size += s.utf8.count } else { size += 8 }
        }
        var out = ""
        out.reserveCapacity(size)
        var first = true
        for x in items {
            if !first { out += separator }
            first = false
            x.writePrinted(to: &out)
        }
        return out
    }

    /// Strings only (the usual case): the exact size is known, so the bytes are copied once into the result,
    /// with none of the per-append bookkeeping of growing a String. Nil when an item is not a string.
    private static func joinStrings(_ items: [Value], separator: String) -> String? {
        let sepCount = separator.utf8.count
        var size = sepCount * Swift.max(0, items.count - 1)
        for x in items {
            guard case .string(let s) = x else { return nil }
            size += s.utf8.count
        }
        if size == 0 { return "" }
        var separator = separator
        return separator.withUTF8 { sep in
            String(unsafeUninitializedCapacity: size) { out in
                guard let base = out.baseAddress else { return 0 }
                var at = base
                var first = true
                for x in items {
                    guard case .string(var text) = x else { continue }
                    if !first, let from = sep.baseAddress {
                        at.update(from: from, count: sepCount)
                        at += sepCount
                    }
                    first = false
                    text.withUTF8 { bytes in
                        if let from = bytes.baseAddress {
                            at.update(from: from, count: bytes.count)
                            at += bytes.count
                        }
                    }
                }
                return at - base
            }
        }
    }
}
