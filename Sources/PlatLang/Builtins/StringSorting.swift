/// Sorting when every key is a string (names, hosts, lines: the usual case after ints). The general sort compares
/// `Value`s through `Operators.compare`, copying both keys in and out of each comparison; here each key's first
/// eight bytes are read once into an integer whose order is theirs (big-endian), so most comparisons are one
/// integer comparison, and only ties on those bytes compare the full texts (by their bytes: see TextBytes).
extension Builtins {
    /// The positions of `keys` in sorted order (stable: equal keys keep their order, also when reversed), or nil
    /// when some key is not a string.
    static func sortedStringOrder(_ keys: [Value], reverse: Bool) -> [Int]? {
        var texts: [String] = []
        texts.reserveCapacity(keys.count)
        for k in keys {
            guard case .string(let s) = k else { return nil }
            texts.append(s)
        }
        var entries: [(prefix: UInt64, position: Int)] = []
        entries.reserveCapacity(texts.count)
        for (i, s) in texts.enumerated() { entries.append((prefix(s), i)) }
        texts.withUnsafeBufferPointer { t in
            entries.sort { a, b in
                var c = a.prefix == b.prefix ? 0 : (a.prefix < b.prefix ? -1 : 1)
                if c == 0 { c = Operators.compareStrings(t[a.position], t[b.position]) }
                if c != 0 { return reverse ? c > 0 : c < 0 }
                return a.position < b.position
            }
        }
        return entries.map(\.position)
    }

    /// The first eight UTF-8 bytes, the first in the highest byte, zeros after a shorter text.
    private static func prefix(_ s: String) -> UInt64 {
        var p: UInt64 = 0
        var shift: UInt64 = 56
        for b in s.utf8.prefix(8) {
            p |= UInt64(b) << shift
            shift &-= 8
        }
        return p
    }
}
