import Foundation

/// The common string methods on text whose every character is one byte: ASCII without a carriage return (in
/// ASCII only `\r\n` makes a character of two bytes). There, characters and bytes are the same thing, so
/// searching, splitting and comparing the UTF-8 bytes gives exactly what the character-based methods give, at a
/// fraction of their cost (the general search walks grapheme boundaries, and `contains` went through Foundation).
/// Text outside that set, and every error, take the general methods in StringMethods.swift.
extension Methods {
    /// `s.name(a0, a1)` with `argCount` positional arguments, or nil when the general method must answer.
    static func fastStringMethod(_ name: MethodName, on s: String, _ argCount: Int, _ a0: Value,
                                 _ a1: Value) throws -> Value? {
        switch (name, argCount) {
        case (.split, 1):
            guard case .string(let sep) = a0 else { return nil }
            return withOneByteCharacters(s, sep) { text, sep in
                if sep.isEmpty { return nil }
                var out: [Value] = []
                out.reserveCapacity(countPieces(of: text, between: sep))
                forEachPiece(of: text, between: sep) { out.append(.string(string(text, $0))) }
                return .list(out)
            } ?? nil
        case (.split, 0):
            return withOneByteCharacters(s) { text in
                var out: [Value] = []
                out.reserveCapacity(8)
                forEachWord(of: text) { out.append(.string(string(text, $0))) }
                return .list(out)
            }
        case (.startsWith, 1), (.endsWith, 1):
            guard case .string(let fix) = a0 else { return nil }
            return withOneByteCharacters(s, fix) { text, fix in
                guard fix.count <= text.count else { return .bool(false) }
                let start = name == .startsWith ? 0 : text.count - fix.count
                return .bool(fix.isEmpty || memcmp(text.baseAddress! + start, fix.baseAddress!, fix.count) == 0)
            }
        case (.contains, 1):
            guard case .string(let sub) = a0 else { return nil }
            return withOneByteCharacters(s, sub) { text, sub in .bool(sub.isEmpty || find(sub, in: text, from: 0) != nil) }
        case (.find, 1):
            guard case .string(let sub) = a0 else { return nil }
            return withOneByteCharacters(s, sub) { text, sub in
                sub.isEmpty ? nil : .int(find(sub, in: text, from: 0) ?? -1)
            } ?? nil
        case (.count, 1):
            guard case .string(let sub) = a0 else { return nil }
            return withOneByteCharacters(s, sub) { text, sub in
                sub.isEmpty ? nil : .int(countPieces(of: text, between: sub) - 1)
            } ?? nil
        case (.replace, 2):
            guard case .string(let old) = a0, case .string(let new) = a1 else { return nil }
            return withOneByteCharacters(s, old) { text, old -> Value? in
                if old.isEmpty { return nil }
                guard find(old, in: text, from: 0) != nil else { return .string(s) }
                var out = ""
                out.reserveCapacity(text.count + 4 * new.utf8.count)
                var first = true
                forEachPiece(of: text, between: old) { r in
                    if !first { out += new }
                    first = false
                    out += string(text, r)
                }
                return .string(out)
            } ?? nil
        case (.trim, 0), (.trimStart, 0), (.trimEnd, 0):
            return withOneByteCharacters(s) { text -> Value in
                var start = 0, end = text.count
                if name != .trimEnd { while start < end && isSpace(text[start]) { start += 1 } }
                if name != .trimStart { while end > start && isSpace(text[end - 1]) { end -= 1 } }
                return start == 0 && end == text.count ? .string(s) : .string(string(text, start..<end))
            }
        case (.lines, 0):
            return withOneByteCharacters(s) { text -> Value in
                // Line feed, vertical tab and form feed end a line (carriage returns never get here); a final
                // terminator does not make an extra empty line.
                var out: [Value] = []
                var start = 0
                for i in 0..<text.count where text[i] >= 0x0A && text[i] <= 0x0C {
                    out.append(.string(string(text, start..<i)))
                    start = i + 1
                }
                if start < text.count { out.append(.string(string(text, start..<text.count))) }
                return .list(out)
            }
        default:
            return nil
        }
    }

    /// Whitespace among one-byte characters: tab, line feed, vertical tab, form feed, space.
    @inline(__always)
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// Runs `body` on the UTF-8 bytes of `s` when every character of `s` is one byte; nil otherwise.
    @inline(__always)
    private static func withOneByteCharacters<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        TextBytes.withCharacterBytes(s, body)
    }

    @inline(__always)
    private static func withOneByteCharacters<R>(_ s: String, _ t: String,
                                                 _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R) -> R? {
        withOneByteCharacters(s) { a in withOneByteCharacters(t) { b in body(a, b) } } ?? nil
    }

    /// The first position at or after `start` where `needle` (not empty) occurs in `text`.
    private static func find(_ needle: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>,
                             from start: Int) -> Int? {
        let n = needle.count
        guard n > 0, text.count - start >= n else { return nil }
        let first = needle[0]
        var i = start
        let last = text.count - n
        while i <= last {
            if text[i] == first && (n == 1 || memcmp(text.baseAddress! + i + 1, needle.baseAddress! + 1, n - 1) == 0) {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Calls `body` with the byte range of each piece between occurrences of `sep` (not empty), empty pieces
    /// included: the pieces `split(s, by:)` returns for such text.
    @inline(__always)
    private static func forEachPiece(of text: UnsafeBufferPointer<UInt8>, between sep: UnsafeBufferPointer<UInt8>,
                                     _ body: (Range<Int>) -> Void) {
        var from = 0
        while let at = find(sep, in: text, from: from) {
            body(from..<at)
            from = at + sep.count
        }
        body(from..<text.count)
    }

    /// How many pieces `forEachPiece` finds (one more than the occurrences of `sep`).
    private static func countPieces(of text: UnsafeBufferPointer<UInt8>, between sep: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 1
        var from = 0
        while let at = find(sep, in: text, from: from) {
            n += 1
            from = at + sep.count
        }
        return n
    }

    /// Calls `body` with each run of non-whitespace bytes (carriage returns never get here): the pieces
    /// `split()` without a separator returns.
    @inline(__always)
    private static func forEachWord(of text: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var start = -1
        for i in 0..<text.count {
            if isSpace(text[i]) {
                if start >= 0 { body(start..<i); start = -1 }
            } else if start < 0 {
                start = i
            }
        }
        if start >= 0 { body(start..<text.count) }
    }

    @inline(__always)
    private static func string(_ text: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[r]), as: UTF8.self)
    }
}
