/// The index of a map (`MapStorage`): where each key sits in the map's entry arrays, found by hash.
///
/// Open addressing with linear probing over a power-of-two table of 64-bit slots. A slot holds the high 32 bits
/// of its key's hash (the tag) and the key's position in the entry arrays plus one; 0 is a slot never used and
/// `removedSlot` one whose key was removed (look-ups go past it, inserts may reuse it). So that:
/// - a look-up compares keys only when the tags match (almost always the key it wants): one key comparison per
///   look-up, instead of one per collision;
/// - growing the table moves slots by their tags alone, without hashing a key again or reading the entries;
/// - the table is one block of memory the map owns (`deallocate` in the map's deinit), with no per-access
///   uniqueness check or bounds check.
/// Hashes are `Value._rawHashValue(seed:)` (see StringHashing), with one random seed per process, so crafted
/// keys cannot aim at one slot across runs. Equality is `Value ==`, which the hash agrees with.
struct MapTable {
    private var slots: UnsafeMutablePointer<UInt64>? = nil
    /// Capacity - 1 (capacity is a power of two), or -1 before the first insert.
    private var mask = -1
    /// Slots not empty: live keys and removed ones (both lengthen probes).
    private var filled = 0

    static let removedSlot: UInt64 = 0xFFFF_FFFF
    /// Random per process (Hasher is seeded randomly at start-up).
    static let processSeed: Int = {
        var h = Hasher()
        h.combine(0x6D61_7073)
        return h.finalize()
    }()

    init() {}

    @inline(__always)
    static func tag(_ hash: Int) -> UInt64 { UInt64(UInt(bitPattern: hash) >> 32) }

    /// The result of a probe: the key's entry position when present; otherwise the slot an insert should use.
    struct Probe {
        /// The entry position of the key, or -1 when absent.
        var position: Int
        /// The slot holding the key, or the slot to insert it at (the first removed one passed, or the empty one
        /// that ended the probe); -1 while the table has no slots.
        var slot: Int
    }

    /// Looks for a key with this hash for which `isKey(position)` is true.
    @inline(__always)
    func probe(hash: Int, _ isKey: (Int) -> Bool) -> Probe {
        guard let slots else { return Probe(position: -1, slot: -1) }
        let tag = MapTable.tag(hash)
        var i = Int(truncatingIfNeeded: tag) & mask
        var reusable = -1
        while true {
            let s = slots[i]
            if s == 0 { return Probe(position: -1, slot: reusable >= 0 ? reusable : i) }
            if s == MapTable.removedSlot {
                if reusable < 0 { reusable = i }
            } else if s >> 32 == tag {
                let p = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) &- 1
                if isKey(p) { return Probe(position: p, slot: i) }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Records a new key at entry `position` in the slot a probe returned (the probe found no such key). May grow
    /// the table, so the probe's slot is stale afterwards.
    /// `live` is the number of keys, this one included.
    mutating func insert(hash: Int, position: Int, at probed: Probe, live: Int) {
        guard let slots, probed.slot >= 0 else {
            grow(toHold: live)
            insertFresh(hash: hash, position: position)
            return
        }
        if slots[probed.slot] == 0 { filled &+= 1 }
        slots[probed.slot] = MapTable.slotValue(hash: hash, position: position)
        // At most two thirds full: probes stay short.
        if filled &* 3 > (mask &+ 1) &* 2 { grow(toHold: live) }
    }

    /// Records a key known not to be in the table (the keys of a map being indexed again).
    mutating func insertAbsent(hash: Int, position: Int, live: Int) {
        if slots == nil || (filled &+ 1) &* 3 > (mask &+ 1) &* 2 { grow(toHold: live) }
        insertFresh(hash: hash, position: position)
    }

    /// Marks the slot a probe found as removed.
    mutating func remove(at probed: Probe) {
        slots?[probed.slot] = MapTable.removedSlot
    }

    /// Forgets every key, keeping the table's size.
    mutating func removeAll() {
        guard let slots else { return }
        slots.update(repeating: 0, count: mask &+ 1)
        filled = 0
    }

    /// A table of its own with the same contents (copy-on-write of the map copies its index too).
    func copy() -> MapTable {
        var t = MapTable()
        guard let slots else { return t }
        let n = mask &+ 1
        let fresh = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        fresh.initialize(from: slots, count: n)
        t.slots = fresh
        t.mask = mask
        t.filled = filled
        return t
    }

    /// Frees the table; called once, by the map's deinit.
    func deallocate() {
        slots?.deallocate()
    }

    @inline(__always)
    private static func slotValue(hash: Int, position: Int) -> UInt64 {
        (tag(hash) << 32) | UInt64(truncatingIfNeeded: position &+ 1)
    }

    /// Into a table known to have room and not to hold the key.
    private mutating func insertFresh(hash: Int, position: Int) {
        guard let slots else { return }
        var i = Int(truncatingIfNeeded: MapTable.tag(hash)) & mask
        while slots[i] != 0 { i = (i &+ 1) & mask }
        slots[i] = MapTable.slotValue(hash: hash, position: position)
        filled &+= 1
    }

    /// A table at most half full with `count` live keys, rebuilt from the tags (removed slots are dropped).
    private mutating func grow(toHold count: Int) {
        var capacity = 8
        while capacity < count &* 2 { capacity &*= 2 }
        let fresh = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        fresh.initialize(repeating: 0, count: capacity)
        let old = slots, oldCount = mask &+ 1
        slots = fresh
        mask = capacity &- 1
        filled = 0
        guard let old else { return }
        for j in 0..<oldCount {
            let s = old[j]
            if s == 0 || s == MapTable.removedSlot { continue }
            var i = Int(truncatingIfNeeded: s >> 32) & mask
            while fresh[i] != 0 { i = (i &+ 1) & mask }
            fresh[i] = s
            filled &+= 1
        }
        old.deallocate()
    }
}
