/// `len` of a string counts characters (grapheme clusters), which `String.count` finds by walking the
/// grapheme-breaking rules: hundreds of instructions even for a short key. In ASCII text every byte is one
/// character except `\r\n`, which is one; text that is ASCII without a carriage return is counted by its bytes.
func characterCount(_ s: String) -> Int {
    TextBytes.withCharacterBytes(s) { $0.count } ?? s.count
}

/// No byte with its high bit set and no `\r` (0x0D): tested eight bytes at a time (`len` of a joined text of
/// megabytes is otherwise a loop of several instructions a byte).
func isASCIIWithoutCarriageReturn(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = utf8.baseAddress else { return true }
    let n = utf8.count
    let raw = UnsafeRawPointer(base)
    let high: UInt64 = 0x8080_8080_8080_8080
    let ones: UInt64 = 0x0101_0101_0101_0101
    let carriageReturns: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
    var seen: UInt64 = 0
    var i = 0
    while i &+ 8 <= n {
        let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        // A byte of `w ^ 0x0D..` is zero where `w` holds `\r`; on bytes below 0x80 (any other makes the text
        // non-ASCII anyway), `(x - 0x01..) & ~x & 0x80..` is non-zero exactly when some byte of x is zero.
        let x = w ^ carriageReturns
        seen |= w | ((x &- ones) & ~x)
        if seen & high != 0 { return false }
        i &+= 8
    }
    while i < n {
        let b = base[i]
        if b >= 0x80 || b == 0x0D { return false }
        i &+= 1
    }
    return true
}
