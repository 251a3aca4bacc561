import Foundation

/// Byte-level shortcuts for strings, each exact for the text it accepts:
/// - ordering: strings compare by unicode scalar values (grammar.md 2.3), and UTF-8 keeps that order byte by
///   byte, so one `memcmp` of the bytes decides (sorting 200,000 strings spent most of its time in the
///   byte-by-byte iterator before);
/// - positions: in text that is ASCII without `\r` every byte is one character, so indexing and slicing count
///   bytes instead of walking the grapheme-breaking rules (`CharacterCount.swift` tells that text apart).
enum TextBytes {
    /// -1, 0 or 1 as `x` sorts before, with or after `y`.
    static func compare(_ x: String, _ y: String) -> Int? {
        x.utf8.withContiguousStorageIfAvailable { a in
            y.utf8.withContiguousStorageIfAvailable { b -> Int in
                let n = Swift.min(a.count, b.count)
                if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
                    let c = memcmp(pa, pb, n)
                    if c != 0 { return c < 0 ? -1 : 1 }
                }
                return a.count < b.count ? -1 : (a.count == b.count ? 0 : 1)
            }
        } ?? nil
    }

    /// Calls `body` with the bytes of `s` when each byte is one character (ASCII without `\r`); nil otherwise.
    static func withCharacterBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        let r: R?? = try s.utf8.withContiguousStorageIfAvailable { bytes -> R? in
            guard isASCIIWithoutCarriageReturn(bytes) else { return nil }
            return try body(bytes)
        }
        return r ?? nil
    }
}
