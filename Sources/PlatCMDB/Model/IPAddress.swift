import Foundation

/// An IPv4 or IPv6 address, parsed without Foundation's resolver (no DNS, no surprises).
///
/// Every address has a 16-byte key: IPv6 as is, IPv4 as the IPv4-mapped IPv6 address `::ffff:a.b.c.d`. The key
/// is what the IP index stores, so exact lookups, lists and CIDR ranges are all range scans over one column.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let isIPv4: Bool

    /// Parses dotted-quad IPv4 (`10.0.0.5`) or IPv6 (`fe80::1`, `::ffff:10.0.0.5`); nil when it is neither.
    /// Leading zeros in IPv4 parts are refused (`010.0.0.1` is octal to some tools, decimal to others).
    public init?(_ text: String) {
        if let v4 = IPAddress.parseIPv4Value(text.utf8) {
            self.init(ipv4: v4)
        } else if let v6 = IPAddress.parseIPv6(text) {
            self.init(bytes: v6, isIPv4: false)
        } else {
            return nil
        }
    }

    /// The address of a parsed dotted quad (`parseIPv4Value`).
    init(ipv4 v4: UInt32) {
        bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                 UInt8(v4 >> 24), UInt8(v4 >> 16 & 0xff), UInt8(v4 >> 8 & 0xff), UInt8(v4 & 0xff)]
        isIPv4 = true
    }

    init(bytes: [UInt8], isIPv4: Bool) {
        self.bytes = bytes
        self.isIPv4 = isIPv4
    }

    /// The canonical text: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, longest zero run as `::`).
    public var description: String {
        if isIPv4 { return bytes[12...].map { String($0) }.joined(separator: ".") }
        // An IPv4-mapped IPv6 address keeps its dotted tail, as RFC 5952 (section 5) recommends.
        if bytes[..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "::ffff:" + bytes[12...].map { String($0) }.joined(separator: ".")
        }
        var groups: [Int] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(Int(bytes[i]) << 8 | Int(bytes[i + 1])) }
        // The longest run of two or more zero groups (the first, on a tie) becomes "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ g: Int) -> String { String(g, radix: 16) }
        if bestStart < 0 { return groups.map(hex).joined(separator: ":") }
        let head = groups[..<bestStart].map(hex).joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }

    /// The 16-byte index key.
    public var key: [UInt8] { bytes }

    /// A dotted quad as one number (the first part in the high byte); nil unless it is exactly four parts
    /// of 0-255 without leading zeros. Allocates nothing: an import parses two of these a row.
    static func parseIPv4Value<S: Sequence>(_ utf8: S) -> UInt32? where S.Element == UInt8 {
        var result: UInt32 = 0
        var parts = 0, value: UInt32 = 0, digits = 0, leadingZero = false
        for c in utf8 {
            if c == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                result = result << 8 | value
                parts += 1
                value = 0; digits = 0; leadingZero = false
            } else if c >= 48 && c <= 57 {
                if digits == 1 && leadingZero { return nil }
                if digits == 0 && c == 48 { leadingZero = true }
                value = value * 10 + UInt32(c - 48)
                digits += 1
                guard value <= 255, digits <= 3 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return result << 8 | value
    }

    static func parseIPv4(_ s: Substring) -> [UInt8]? {
        guard let v = parseIPv4Value(s.utf8) else { return nil }
        return [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        // A zone (fe80::1%eth0) names an interface of this machine; it has no place in an inventory.
        guard !text.isEmpty, text.utf8.count <= 45, !text.contains("%") else { return nil }
        let parts = text.components(separatedBy: "::")
        guard parts.count <= 2 else { return nil }
        func groups(_ s: String, allowIPv4Tail: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in pieces.enumerated() {
                if i == pieces.count - 1 && allowIPv4Tail && p.contains(".") {
                    guard let v4 = parseIPv4(p) else { return nil }
                    out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard !p.isEmpty, p.utf8.count <= 4, let g = UInt16(p, radix: 16) else { return nil }
                out.append(g)
            }
            return out
        }
        var all: [UInt16]
        if parts.count == 2 {
            guard let head = groups(parts[0], allowIPv4Tail: false),
                  let tail = groups(parts[1], allowIPv4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let g = groups(text, allowIPv4Tail: true), g.count == 8 else { return nil }
            all = g
        }
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for g in all {
            out.append(UInt8(g >> 8))
            out.append(UInt8(g & 0xff))
        }
        return out
    }
}

/// An address range written as CIDR (`10.0.0.0/24`, `2001:db8::/32`) or a single address.
public struct IPRange: Hashable, Sendable, CustomStringConvertible {
    public let low: [UInt8]
    public let high: [UInt8]
    public let text: String

    /// Parses `ADDR` or `ADDR/PREFIX`; the address may have host bits set (`10.0.0.5/24` means 10.0.0.0/24).
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let pieces = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let address = IPAddress(String(pieces[0])) else { return nil }
        var prefix = address.isIPv4 ? 32 : 128
        if pieces.count == 2 {
            guard let p = Int(pieces[1]), p >= 0, p <= prefix, pieces[1].allSatisfy(\.isNumber) else { return nil }
            prefix = p
        }
        // IPv4 prefixes count from bit 96 of the mapped key.
        let bits = address.isIPv4 ? prefix + 96 : prefix
        var low = address.bytes, high = address.bytes
        for i in 0..<16 {
            let keep = max(0, min(8, bits - i * 8))
            let mask: UInt8 = keep == 8 ? 0xff : ~(UInt8(0xff) >> UInt8(keep))
            low[i] &= mask
            high[i] |= ~mask
        }
        self.low = low
        self.high = high
        self.text = pieces.count == 2 ? "\(IPAddress(bytes: low, isIPv4: address.isIPv4))/\(prefix)" : address.description
    }

    public var description: String { text }

    public func contains(_ a: IPAddress) -> Bool {
        a.bytes.lexicographicallyPrecedes(low) == false && high.lexicographicallyPrecedes(a.bytes) == false
    }
}
