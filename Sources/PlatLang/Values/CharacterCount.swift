/// `len` of a string counts characters (grapheme clusters), which `String.count` finds by walking the
/// grapheme-breaking rules: hundreds of instructions even for a short key. In ASCII text every byte is one
/// character except `\r\n`, which is one; text that is ASCII without a carriage return is counted by its bytes.
func characterCount(_ s: String) -> Int {
    TextBytes.withCharacterBytes(s) { $0.count } ?? s.count
}

/// No byte with its high bit set and no `\r` (0x0D), tested eight bytes at a time: `len` of a joined text of
/// megabytes is otherwise a loop of several instructions a byte. Text shorter than a word (the usual key or field)
/// is read as one or two overlapping loads instead of byte by byte: string methods ask this of each short
/// operand, and the byte loop was most of their cost.
@inline(__always)
func isASCIIWithoutCarriageReturn(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = utf8.baseAddress else { return true }
    let n = utf8.count
    let raw = UnsafeRawPointer(base)
    if n >= 8 {
        var seen: UInt64 = 0
        var i = 0
        while i &+ 8 < n {
            seen |= nonASCIIOrCarriageReturnBits(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if seen & 0x8080_8080_8080_8080 != 0 { return false }
            i &+= 8
        }
        // The last eight bytes, overlapping the words before: every byte is tested, some twice.
        seen |= nonASCIIOrCarriageReturnBits(raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        return seen & 0x8080_8080_8080_8080 == 0
    }
    if n >= 4 {
        // Two overlapping four-byte loads cover four to seven bytes.
        let a = UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let b = UInt64(raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self))
        return nonASCIIOrCarriageReturnBits(a | (b &<< 32)) & 0x8080_8080_8080_8080 == 0
    }
    var i = 0
    while i < n {
        let b = base[i]
        if b >= 0x80 || b == 0x0D { return false }
        i &+= 1
    }
    return true
}

/// The high bit of some byte is set when a byte of `w` is not ASCII or is `\r`. A byte of `w ^ 0x0D..` is zero
/// where `w` holds `\r`; on bytes below 0x80 (any other sets a high bit through `w` itself),
/// `(x - 0x01..) & ~x & 0x80..` is non-zero exactly when some byte of x is zero.
@inline(__always)
private func nonASCIIOrCarriageReturnBits(_ w: UInt64) -> UInt64 {
    let x = w ^ 0x0D0D_0D0D_0D0D_0D0D
    return w | ((x &- 0x0101_0101_0101_0101) & ~x)
}
