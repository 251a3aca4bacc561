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
        // One pass: the bytes are hashed eight at a time while their high bits are collected, which tells at the
        // end whether the text was all ASCII (the common case, whose hash this is).
        let fast = s.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            let n = bytes.count
            var h = UInt64(bitPattern: Int64(seed)) ^ k0 ^ (UInt64(n) &* k2)
            guard let base = bytes.baseAddress else { return Int(bitPattern: UInt(fold(h, k1))) }
            let raw = UnsafeRawPointer(base)
            var high: UInt64 = 0
            var i = 0
            while i &+ 8 <= n {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                high |= w
                h = fold(h ^ w, k1)
                i &+= 8
            }
            if i < n {
                var w: UInt64 = 0
                var shift: UInt64 = 0
                while i < n {
                    w |= UInt64(base[i]) &<< shift
                    shift &+= 8
                    i &+= 1
                }
                high |= w
                h = fold(h ^ w ^ k2, k1)
            }
            if high & 0x8080_8080_8080_8080 != 0 { return nil }
            return Int(bitPattern: UInt(fold(h, k0 ^ k2)))
        }
        if let fast, let h = fast { return h }
        return hashNonASCII(s, seed: seed)
    }

    /// The hash of ASCII bytes; the same function as the fast path of `hash`.
    static func hashBytes(_ bytes: UnsafeBufferPointer<UInt8>, seed: Int) -> Int {
        let n = bytes.count
        var h = UInt64(bitPattern: Int64(seed)) ^ k0 ^ (UInt64(n) &* k2)
        guard let base = bytes.baseAddress else { return Int(bitPattern: UInt(fold(h, k1))) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i &+ 8 <= n {
            h = fold(h ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)), k1)
            i &+= 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(base[i]) &<< shift
                shift &+= 8
                i &+= 1
            }
            h = fold(h ^ w ^ k2, k1)
        }
        return Int(bitPattern: UInt(fold(h, k0 ^ k2)))
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
