/// Map keys hash here. Swift's `Hasher` runs a general streaming SipHash for every key (seeding, buffering,
/// finalising: most of a string-keyed map operation); a map key needs one pass over its UTF-8 bytes. Equality is
/// still `Value ==` (Swift's: canonically equivalent strings are equal), so the hash must agree with it:
/// - text whose every scalar is ASCII hashes its bytes;
/// - the three scalars whose canonical form is a single ASCII character (U+037E `;`, U+1FEF `` ` ``, U+212A `K`)
///   hash as that character, so a string equal to an ASCII string hashes the same;
/// - any other text hashes through Swift's own canonical string hash, as before.
/// The seed comes from the dictionary (random per process), so crafted keys cannot aim at one bucket across runs.
extension Value {
    public func _rawHashValue(seed: Int) -> Int {
        switch self {
        case .string(let s):
            return StringHashing.hash(s, seed: seed)
        case .int(let i):
            return StringHashing.mix(UInt64(bitPattern: Int64(i)), seed: seed)
        case .float(let d):
            // Equal to the int of the same value (`1 == 1.0`), so hashed as that int.
            if let i = Int(exactly: d) { return StringHashing.mix(UInt64(bitPattern: Int64(i)), seed: seed) }
            return generalHash(seed: seed)
        default:
            return generalHash(seed: seed)
        }
    }

    private func generalHash(seed: Int) -> Int {
        var h = Hasher()
        h.combine(seed)
        hash(into: &h)
        return h.finalize()
    }
}

enum StringHashing {
    private static let k0: UInt64 = 0xA076_1D64_78BD_642F
    private static let k1: UInt64 = 0xE703_7ED1_A0B4_28DB
    private static let k2: UInt64 = 0x8EBC_6AF0_9C88_C6E3

    /// The high and low halves of the full 128-bit product, folded: every input bit reaches every output bit.
    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        return hi ^ lo
    }

    @inline(__always)
    static func mix(_ x: UInt64, seed: Int) -> Int {
        Int(bitPattern: UInt(fold(x ^ k0 ^ UInt64(bitPattern: Int64(seed)), k1)))
    }

    static func hash(_ s: String, seed: Int) -> Int {
        // One pass: the bytes are hashed while their high bits are collected, which tells at the end whether the
        // text was all ASCII (the common case, whose hash this is).
        let fast = s.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            let (h, high) = hashWords(bytes, seed: seed)
            return high & 0x8080_8080_8080_8080 == 0 ? h : nil
        }
        if let fast, let h = fast { return h }
        return hashNonASCII(s, seed: seed)
    }

    /// The hash of ASCII bytes; the same function as the fast path of `hash`.
    static func hashBytes(_ bytes: UnsafeBufferPointer<UInt8>, seed: Int) -> Int {
        hashWords(bytes, seed: seed).hash
    }

    /// The hash of `bytes` and the OR of every word read (its high bits say whether any byte was not ASCII).
    /// Eight bytes at a time; the last few are read as one word too, without a loop over bytes: the last eight
    /// bytes (overlapping the words before) when there are at least eight, else two overlapping four-byte reads,
    /// else the first, middle and last byte. Each of these covers every byte, and the length is hashed first, so
    /// equal texts hash alike and every byte counts.
    @inline(__always)
    private static func hashWords(_ bytes: UnsafeBufferPointer<UInt8>, seed: Int) -> (hash: Int, high: UInt64) {
        let n = bytes.count
        var h = UInt64(bitPattern: Int64(seed)) ^ k0 ^ (UInt64(n) &* k2)
        guard n > 0, let base = bytes.baseAddress else { return (Int(bitPattern: UInt(fold(h, k1))), 0) }
        let raw = UnsafeRawPointer(base)
        var high: UInt64 = 0
        var tail: UInt64
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                high |= w
                h = fold(h ^ w, k1)
                i &+= 8
            }
            tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        } else if n >= 4 {
            let a = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            let b = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)))
            tail = a | (b &<< 32)
        } else {
            tail = UInt64(base[0]) | (UInt64(base[n &>> 1]) &<< 8) | (UInt64(base[n &- 1]) &<< 16)
        }
        high |= tail
        h = fold(h ^ tail ^ k2, k1)
        return (Int(bitPattern: UInt(fold(h, k0 ^ k2))), high)
    }

    /// Text with non-ASCII scalars: equal to an ASCII string only if its other scalars are the three that
    /// stand for ASCII characters; such text hashes as that ASCII string, anything else as Swift hashes it.
    private static func hashNonASCII(_ s: String, seed: Int) -> Int {
        var ascii: [UInt8] = []
        ascii.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0..<0x80: ascii.append(UInt8(scalar.value))
            case 0x037E: ascii.append(UInt8(ascii: ";"))
            case 0x1FEF: ascii.append(UInt8(ascii: "`"))
            case 0x212A: ascii.append(UInt8(ascii: "K"))
            default:
                var h = Hasher()
                h.combine(seed)
                h.combine(s)
                return h.finalize()
            }
        }
        return ascii.withUnsafeBufferPointer { hashBytes($0, seed: seed) }
    }
}
