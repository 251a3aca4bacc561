import Testing
@testable import PlatLang

/// Text counted and searched by bytes must give what the character rules give: the byte test reads short text as
/// overlapping words, so a `\r` or a non-ASCII character is put at every position of every length up to a few words.
@Suite struct TextBytesTests {
    @Test func aCarriageReturnOrAWideCharacterAnywhereIsFound() {
        for n in 0...40 {
            let plain = String(repeating: "a", count: n)
            var bytes = Array(plain.utf8)
            #expect(bytes.withUnsafeBufferPointer { isASCIIWithoutCarriageReturn($0) }, "length \(n)")
            #expect(characterCount(plain) == n)
            for p in 0..<n {
                for odd: UInt8 in [0x0D, 0x80, 0xC3, 0xFF, 0x8D] {
                    bytes[p] = odd
                    #expect(!bytes.withUnsafeBufferPointer { isASCIIWithoutCarriageReturn($0) },
                            "byte \(odd) at \(p) of \(n)")
                    bytes[p] = UInt8(ascii: "a")
                }
                // Bytes next to `\r` (0x0C, 0x0E) and 0x7F are plain ASCII.
                for near: UInt8 in [0x0C, 0x0E, 0x7F, 0x01] {
                    bytes[p] = near
                    #expect(bytes.withUnsafeBufferPointer { isASCIIWithoutCarriageReturn($0) },
                            "byte \(near) at \(p) of \(n)")
                    bytes[p] = UInt8(ascii: "a")
                }
            }
        }
    }

    @Test func lengthCountsCharactersWhateverTheirBytes() {
        for n in 1...20 {
            for p in 0..<n {
                for inserted in ["\r\n", "\r", "é", "e\u{301}", "🇫🇷", "\n\r"] {
                    var s = String(repeating: "x", count: n)
                    s.insert(contentsOf: inserted, at: s.index(s.startIndex, offsetBy: p))
                    #expect(characterCount(s) == s.count, "\(inserted.unicodeScalars.map(\.value)) at \(p) of \(n)")
                }
            }
        }
    }
}
