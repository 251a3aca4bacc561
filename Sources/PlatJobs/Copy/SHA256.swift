import CSHA256

/// SHA-256 (FIPS 180-4), written here because Foundation on Linux has no CryptoKit. Feed it with `update`
/// as bytes stream past (no copy, no allocation per call once the first block is in), then `finalize`.
///
/// Speed is what matters: file distribution hashes every byte it writes. Blocks are compressed straight
/// from the caller's buffer; only a partial block is staged in the 64-byte `pending` tail.
public struct SHA256: Sendable {
    private var h0: UInt32 = 0x6a09e667, h1: UInt32 = 0xbb67ae85, h2: UInt32 = 0x3c6ef372, h3: UInt32 = 0xa54ff53a
    private var h4: UInt32 = 0x510e527f, h5: UInt32 = 0x9b05688c, h6: UInt32 = 0x1f83d9ab, h7: UInt32 = 0x5be0cd19
    /// Bytes of a block not yet complete (at most 63 are ever kept).
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    /// Whether `compress` uses the processor's SHA instructions.
    private let useHardware: Bool

    public init() { useHardware = SHA256.hardwareAvailable }

    /// A hasher that uses the Swift rounds even where the processor has SHA instructions (tests compare the two).
    init(softwareOnly: Bool) { useHardware = softwareOnly ? false : SHA256.hardwareAvailable }

    /// Hashes `bytes` and returns the lowercase hex digest.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var h = SHA256()
        let array = Array(bytes)
        array.withUnsafeBytes { h.update($0) }
        return h.finalizeHex()
    }

    /// Adds bytes to the message.
    public mutating func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        length &+= UInt64(data.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, data.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            offset = take
            if pending.count < 64 { return }
            let block = pending
            block.withUnsafeBytes { raw in
                if let p = raw.baseAddress { compress(p, blocks: 1) }
            }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = (data.count - offset) / 64
        if whole > 0 { compress(base + offset, blocks: whole) }
        offset += whole * 64
        if offset < data.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: data.count - offset))
        }
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Ends the message and returns the 32-byte digest (the hasher is spent afterwards).
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBytes { raw in
            if let p = raw.baseAddress { compress(p, blocks: raw.count / 64) }
        }
        pending.removeAll()
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [h0, h1, h2, h3, h4, h5, h6, h7] {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    /// Ends the message and returns the digest as 64 lowercase hex digits.
    public mutating func finalizeHex() -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in finalize() {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: The compression function

    /// Whether the processor has SHA instructions (x86 SHA-NI): then blocks are compressed by them, about five
    /// times faster than the Swift rounds below, which remain for other processors (and are tested against them).
    public static let hardwareAvailable = platflow_sha256_hardware_available() != 0

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }

    @inline(__always) private static func load(_ p: UnsafeRawPointer, _ i: Int) -> UInt32 {
        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
    }

    /// Compresses `blocks` consecutive 64-byte blocks starting at `p`. The 16-word message window lives in
    /// a fixed stack buffer, reused round after round (w[i & 15]), so the loop never touches the heap.
    private mutating func compress(_ p: UnsafeRawPointer, blocks: Int) {
        if useHardware {
            var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (h0, h1, h2, h3, h4, h5, h6, h7)
            withUnsafeMutableBytes(of: &state) { raw in
                platflow_sha256_hardware_compress(raw.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                                  p.assumingMemoryBound(to: UInt8.self), blocks)
            }
            (h0, h1, h2, h3, h4, h5, h6, h7) = state
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            SHA256.roundConstants.withUnsafeBufferPointer { k in
                var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                for block in 0..<blocks {
                    let base = p + block &* 64
                    for i in 0..<16 { w[i] = SHA256.load(base, i) }
                    for i in 16..<64 {
                        let w15 = w[i &- 15], w2 = w[i &- 2]
                        let s0 = SHA256.rotr(w15, 7) ^ SHA256.rotr(w15, 18) ^ (w15 >> 3)
                        let s1 = SHA256.rotr(w2, 17) ^ SHA256.rotr(w2, 19) ^ (w2 >> 10)
                        w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
                    }
                    let a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, hh0 = h
                    var i = 0
                    while i < 64 {
                        SHA256.step(a, b, c, &d, e, f, g, &h, k[i] &+ w[i])
                        SHA256.step(h, a, b, &c, d, e, f, &g, k[i &+ 1] &+ w[i &+ 1])
                        SHA256.step(g, h, a, &b, c, d, e, &f, k[i &+ 2] &+ w[i &+ 2])
                        SHA256.step(f, g, h, &a, b, c, d, &e, k[i &+ 3] &+ w[i &+ 3])
                        SHA256.step(e, f, g, &h, a, b, c, &d, k[i &+ 4] &+ w[i &+ 4])
                        SHA256.step(d, e, f, &g, h, a, b, &c, k[i &+ 5] &+ w[i &+ 5])
                        SHA256.step(c, d, e, &f, g, h, a, &b, k[i &+ 6] &+ w[i &+ 6])
                        SHA256.step(b, c, d, &e, f, g, h, &a, k[i &+ 7] &+ w[i &+ 7])
                        i &+= 8
                    }
                    a = a &+ a0; b = b &+ b0; c = c &+ c0; d = d &+ d0
                    e = e &+ e0; f = f &+ f0; g = g &+ g0; h = h &+ hh0
                }
                h0 = a; h1 = b; h2 = c; h3 = d; h4 = e; h5 = f; h6 = g; h7 = h
            }
        }
    }

    /// One round with the working variables renamed rather than shifted: `d` and `h` are the two that change.
    @inline(__always) private static func step(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                                               _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
        d = d &+ t1
        h = t1 &+ (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
    }

    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
}
