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
                sep.isEmpty ? nil : .list(pieces(of: text, between: sep).map { .string(string(text, $0)) })
            } ?? nil
        case (.split, 0):
            return withOneByteCharacters(s) { text in .list(words(of: text).map { .string(string(text, $0)) }) }
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
                sub.isEmpty ? nil : .int(pieces(of: text, between: sub).count - 1)
            } ?? nil
        case (.replace, 2):
            guard case .string(let old) = a0, case .string(let new) = a1 else { return nil }
            return withOneByteCharacters(s, old) { text, old -> Value? in
                if old.isEmpty { return nil }
                let parts = pieces(of: text, between: old)
                if parts.count == 1 { return .string(s) }
                var out = ""
                out.reserveCapacity(text.count + (parts.count - 1) * new.utf8.count)
                for (i, r) in parts.enumerated() {
                    if i > 0 { out += new }
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
        s.utf8.withContiguousStorageIfAvailable { bytes -> R? in
            for b in bytes where b >= 0x80 || b == 0x0D { return nil }
            return body(bytes)
        } ?? nil
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

    /// The byte ranges between occurrences of `sep` (not empty), empty pieces included: what `split(s, by:)`
    /// returns for such text.
    private static func pieces(of text: UnsafeBufferPointer<UInt8>, between sep: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var from = 0
        while let at = find(sep, in: text, from: from) {
            out.append(from..<at)
            from = at + sep.count
        }
        out.append(from..<text.count)
        return out
    }

    /// The runs of non-whitespace bytes (whitespace in ASCII: tab, line feed, vertical tab, form feed, space;
    /// carriage returns never get here): what `split()` without a separator returns.
    private static func words(of text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = -1
        for i in 0..<text.count {
            if isSpace(text[i]) {
                if start >= 0 { out.append(start..<i); start = -1 }
            } else if start < 0 {
                start = i
            }
        }
        if start >= 0 { out.append(start..<text.count) }
        return out
    }

    @inline(__always)
    private static func string(_ text: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[r]), as: UTF8.self)
    }
}
