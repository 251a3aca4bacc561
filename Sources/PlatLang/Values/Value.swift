/// A .plat value. Scalars are stored inline; lists are Swift arrays (copy-on-write gives the language its
/// value semantics for free); maps, functions and modules are one reference each, so a `Value` stays small.
public enum Value {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// Milliseconds.
    case duration(Int64)
    /// Bytes.
    case size(Int64)
    case list([Value])
    /// Copy-on-write by hand: mutate only after `isKnownUniquelyReferenced`, else copy first.
    case map(MapStorage)
    /// A function written in .plat (named, anonymous or a closure over outer variables).
    case closure(Closure)
    case builtin(BuiltinFunction)
    case module(ModuleObject)
    /// A secret parameter: printing, interpolation and errors show `***`; `reveal()` hands out the text.
    case secret(SecretValue)
}

extension Value {
    /// The name `type(x)` returns and error messages use.
    public var typeName: String {
        switch self {
        case .null: return "nil"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .duration: return "duration"
        case .size: return "size"
        case .list: return "list"
        case .map: return "map"
        case .closure, .builtin: return "function"
        case .module: return "module"
        case .secret: return "secret"
        }
    }

    public static func str(_ s: String) -> Value { .string(s) }

    public static func makeMap(_ pairs: [(String, Value)]) -> Value {
        let m = MapStorage()
        for (k, v) in pairs { m.set(.string(k), v) }
        return .map(m)
    }

    /// True for the cases that hold no reference (nil, bools, numbers, durations, sizes): overwriting or
    /// dropping one needs no release.
    @inline(__always)
    var isInline: Bool {
        switch self {
        case .null, .bool, .int, .float, .duration, .size: return true
        default: return false
        }
    }

    public var isNil: Bool {
        if case .null = self { return true }
        return false
    }
}

/// An insertion-ordered hash map. Removal leaves a tombstone that is compacted once tombstones dominate, so
/// iteration order stays the insertion order and removal stays O(1) amortised.
public final class MapStorage {
    public private(set) var keys: [Value?] = []
    public private(set) var values: [Value] = []
    /// Where each key sits in `keys` and `values`, by hash (see MapTable).
    private var table = MapTable()
    private var tombstones = 0
    /// Set once a key equal to a method name (`get`, `keys`...) is added, and kept after its removal: only then
    /// must `m.get(k)` look for a function stored under "get" before calling the method, so the maps programs
    /// usually call methods on skip that look-up.
    public private(set) var hasMethodNamedKey = false
    /// The process's hash seed, read once per map: reading the lazily initialised global costs a `swift_once`
    /// call on every look-up.
    private let seed = MapTable.processSeed

    public init() {}

    public init(copying other: MapStorage) {
        hasMethodNamedKey = other.hasMethodNamedKey
        if other.tombstones == 0 {
            keys = other.keys
            values = other.values
            table = other.table.copy()
        } else {
            for (k, v) in other.pairs { set(k, v) }
        }
    }

    deinit { table.deallocate() }

    public var count: Int { keys.count &- tombstones }

    /// Reads the keys by index rather than through `withUnsafeBufferPointer`, which retained and released the
    /// array's buffer around every look-up: two atomic operations, dearer than the rest of a short key's probe.
    @inline(__always)
    private func probe(_ key: Value, hash: Int) -> MapTable.Probe {
        table.probe(hash: hash) { p in
            // Strings (the usual key) compare without the general switch over both values' cases.
            if case .string(let a)? = keys[p], case .string(let b) = key { return a == b }
            return keys[p] == key
        }
    }

    @inline(__always)
    private func hash(_ key: Value) -> Int { key._rawHashValue(seed: seed) }

    public func get(_ key: Value) -> Value? {
        let found = probe(key, hash: hash(key))
        guard found.position >= 0 else { return nil }
        return values[found.position]
    }

    public func contains(_ key: Value) -> Bool { probe(key, hash: hash(key)).position >= 0 }

    public func set(_ key: Value, _ value: Value) {
        let h = hash(key)
        let found = probe(key, hash: h)
        if found.position >= 0 {
            values[found.position] = value
            return
        }
        let position = keys.count
        ListGrowth.append(key, to: &keys)
        ListGrowth.append(value, to: &values)
        table.insert(hash: h, position: position, at: found, live: count)
        if !hasMethodNamedKey, case .string(let s) = key, MapStorage.isMethodName(s) { hasMethodNamedKey = true }
    }

    private static let methodNames = Set(MethodName.allCases.map(\.rawValue))
    private static let methodNameLengths = methodNames.map(\.utf8.count).min()! ... methodNames.map(\.utf8.count).max()!

    /// Method names are lower-case ASCII words with `_`: most keys are ruled out by their bytes, without hashing
    /// (the last byte first: keys such as `key17` end in a digit). No text outside ASCII is canonically
    /// equivalent to such a word, so comparing bytes is exact.
    private static func isMethodName(_ s: String) -> Bool {
        let n = s.utf8.count
        guard methodNameLengths.contains(n) else { return false }
        let plausible = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            if !isNameByte(bytes[n &- 1]) { return false }
            for b in bytes where !isNameByte(b) { return false }
            return true
        } ?? true
        return plausible && methodNames.contains(s)
    }

    @inline(__always)
    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || b == UInt8(ascii: "_")
    }

    /// Removes and returns the value for `key`, or nil when absent.
    @discardableResult
    public func remove(_ key: Value) -> Value? {
        let found = probe(key, hash: hash(key))
        guard found.position >= 0 else { return nil }
        let i = found.position
        table.remove(at: found)
        let old = values[i]
        keys[i] = nil
        values[i] = .null
        tombstones += 1
        if tombstones > 16 && tombstones * 2 > keys.count { compact() }
        return old
    }

    /// Drops the removed entries and indexes the rest again (hashing each key once more).
    private func compact() {
        var nk: [Value?] = []
        var nv: [Value] = []
        nk.reserveCapacity(count)
        nv.reserveCapacity(count)
        for i in 0..<keys.count {
            if let k = keys[i] {
                nk.append(k)
                nv.append(values[i])
            }
        }
        keys = nk
        values = nv
        tombstones = 0
        table.removeAll()
        for (position, k) in nk.enumerated() {
            table.insertAbsent(hash: hash(k!), position: position, live: position + 1)
        }
    }

    /// Live entries in insertion order.
    public var pairs: [(Value, Value)] {
        var out: [(Value, Value)] = []
        out.reserveCapacity(count)
        for i in 0..<keys.count {
            if let k = keys[i] { out.append((k, values[i])) }
        }
        return out
    }

    public var liveKeys: [Value] { keys.compactMap { $0 } }
    public var liveValues: [Value] {
        var out: [Value] = []
        out.reserveCapacity(count)
        for i in 0..<keys.count where keys[i] != nil { out.append(values[i]) }
        return out
    }

    /// Where `key`'s value is kept, so `m[k] += 1` looks the key up once: read or change it with `updateValue(at:)`.
    func position(of key: Value) -> Int? {
        let found = probe(key, hash: hash(key))
        return found.position >= 0 ? found.position : nil
    }

    /// Changes the value at `position` (from `position(of:)`) in place. The caller makes the storage unique first.
    @inline(__always)
    func updateValue<R>(at position: Int, _ change: (inout Value) throws -> R) rethrows -> R {
        try change(&values[position])
    }
}

/// A secret's clear text is held here and only here.
public final class SecretValue {
    public let name: String
    public let text: String
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// An imported file or stdlib module: its public names, read with `alias.name`.
public final class ModuleObject {
    public let name: String
    /// A builtin module's members, fixed when it is made.
    private let fixed: [String: Value]
    /// An imported file's members are its top-level variables, read live from its globals, so `alias.count`
    /// sees what the file's own functions assigned to `var count` after the import.
    private let globals: Globals?
    private let slots: [String: Int]

    public init(name: String, members: [String: Value]) {
        self.name = name
        self.fixed = members
        self.globals = nil
        self.slots = [:]
    }

    init(name: String, globals: Globals, slots: [String: Int]) {
        self.name = name
        self.fixed = [:]
        self.globals = globals
        self.slots = slots
    }

    /// The member's current value, or nil when the module has no such public name.
    public func member(_ name: String) -> Value? {
        if let globals, let slot = slots[name] { return globals[slot] }
        return fixed[name]
    }

    public var memberNames: [String] { globals == nil ? Array(fixed.keys) : Array(slots.keys) }
}

/// An error raised by a builtin or operator. The interpreter adds the location of the call and the traceback.
public struct RuntimeError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String { message }
}
