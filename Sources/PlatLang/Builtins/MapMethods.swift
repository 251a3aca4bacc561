/// Map methods. A map's storage is a class, so copy-on-write is done by hand: a mutating method takes the
/// storage out of the receiver and copies it only when someone else still holds a reference.
extension Methods {
    static func callMapMethod(_ name: MethodName, on receiver: inout Value, _ args: Arguments) throws -> Value {
        let f = name.rawValue
        // Mutating methods first, before this function holds a second reference to the storage.
        switch name {
        case .remove:
            let key = try args.one(f, "key")
            if case .map(let m) = receiver, !m.contains(key) { return .null }
            return mutate(&receiver) { $0.remove(key) ?? .null } ?? .null
        case .clear:
            try args.none(f)
            receiver = .map(MapStorage())
            return .null
        default:
            break
        }
        guard case .map(let m) = receiver else { return .null }
        switch name {
        case .get:
            // `m.get(k)` and `m.get(k, d)`, the usual forms, without binding through an array.
            if args.named.isEmpty && (args.positional.count == 1 || args.positional.count == 2) {
                return m.get(args.positional[0]) ?? (args.positional.count == 2 ? args.positional[1] : .null)
            }
            let b = try args.bind(f, ["key", "default"], required: 1)
            return m.get(b[0] ?? .null) ?? b[1] ?? .null
        case .keys:
            try args.none(f)
            return .list(m.liveKeys)
        case .values:
            try args.none(f)
            return .list(m.liveValues)
        case .items:
            try args.none(f)
            var out: [Value] = []
            out.reserveCapacity(m.count)
            let keys = m.keys, values = m.values
            for i in 0..<keys.count {
                if let k = keys[i] { out.append(.list([k, values[i]])) }
            }
            return .list(out)
        case .contains:
            return .bool(m.contains(try args.one(f, "key")))
        default:
            throw noMethod(f, on: "map")
        }
    }

    /// Runs `change` on the receiver's storage after making it uniquely owned.
    private static func mutate<T>(_ receiver: inout Value, _ change: (MapStorage) -> T) -> T? {
        guard case .map(var storage) = receiver else { return nil }
        receiver = .null
        if !isKnownUniquelyReferenced(&storage) { storage = MapStorage(copying: storage) }
        let result = change(storage)
        receiver = .map(storage)
        return result
    }
}
