/// Ints as decimal text, written straight into a buffer: the standard library's `String(i)` goes through its
/// generic radix conversion, several times the work for the one case `print`, `str`, `join` and interpolation use.
enum DecimalText {
    /// "00" "01" ... "99": two digits per division.
    private static let pairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// The digits (and sign) of `i`, written to end just before `end`; returns where they start.
    @inline(__always)
    static func write(_ i: Int, endingAt end: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var magnitude = i.magnitude
        var at = end
        let table = pairs.utf8Start
        while magnitude >= 100 {
            let rest = magnitude / 100
            let two = Int(truncatingIfNeeded: magnitude &- rest &* 100) &* 2
            at -= 2
            at[0] = table[two]
            at[1] = table[two &+ 1]
            magnitude = rest
        }
        if magnitude >= 10 {
            let two = Int(truncatingIfNeeded: magnitude) &* 2
            at -= 2
            at[0] = table[two]
            at[1] = table[two &+ 1]
        } else {
            at -= 1
            at.pointee = UInt8(truncatingIfNeeded: magnitude) &+ 48
        }
        if i < 0 {
            at -= 1
            at.pointee = UInt8(ascii: "-")
        }
        return at
    }

    /// How many bytes `write` writes for `i`.
    @inline(__always)
    static func length(_ i: Int) -> Int {
        var magnitude = i.magnitude
        var n = i < 0 ? 2 : 1
        while magnitude >= 10_000 {
            magnitude /= 10_000
            n &+= 4
        }
        if magnitude >= 100 {
            n &+= magnitude >= 1000 ? 3 : 2
        } else if magnitude >= 10 {
            n &+= 1
        }
        return n
    }

    /// `i` as text, the same as `String(i)`.
    static func string(_ i: Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            let end = buffer.baseAddress! + 20
            let start = write(i, endingAt: end)
            return TextBuilder.string(UnsafeBufferPointer(start: start, count: end - start))
        }
    }
}
