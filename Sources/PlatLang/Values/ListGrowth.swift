/// How lists built by appending grow. Swift doubles an array's capacity when it is full, and the new buffer is
/// fresh memory: every page of it is faulted in by the kernel (zeroed) as the items are moved and appended.
/// Building n items by doubling touches about 2n items' worth of new pages, and on a 1,000,000-item list those page
/// faults cost more CPU time than the appends themselves. Growing by four from a few thousand items touches about
/// 1.33n: the pages of a new buffer beyond the items are not touched until the list gets there (malloc does not
/// clear them), so the larger step costs address space, not memory. Very large lists go back to doubling, so
/// the reserved but untouched space stays bounded.
enum ListGrowth {
    /// From this many items a full list grows by four instead of two.
    static let quadrupleFrom = 2048
    /// Up to this many items (96 MB of values).
    static let quadrupleUpTo = 4_000_000

    /// Appends `item`, making room by four when the list is full and mid-sized.
    @inline(__always)
    static func append(_ item: consuming Value, to xs: inout [Value]) {
        let n = xs.count
        if n == xs.capacity && n >= quadrupleFrom && n <= quadrupleUpTo { xs.reserveCapacity(n &* 4) }
        xs.append(item)
    }

    /// The same for a map's key list.
    @inline(__always)
    static func append(_ item: consuming Value?, to xs: inout [Value?]) {
        let n = xs.count
        if n == xs.capacity && n >= quadrupleFrom && n <= quadrupleUpTo { xs.reserveCapacity(n &* 4) }
        xs.append(item)
    }
}
