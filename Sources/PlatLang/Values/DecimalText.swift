/// Ints as decimal text, written straight into a buffer: the standard library's `String(i)` goes through its
/// generic radix conversion, several times the work for the one case `print`, `str`, `join` and interpolation use.
enum DecimalText {
    /// The digits (and sign) of `i`, written to end just before `end`; returns where they start.
    @inline(__always)
    static func write(_ i: Int, endingAt end: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var magnitude = i.magnitude
        var at = end
        repeat {
            at -= 1
            at.pointee = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
            magnitude /= 10
        } while magnitude != 0
        if i < 0 {
            at -= 1
            at.pointee = UInt8(ascii: "-")
        }
        return at
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
