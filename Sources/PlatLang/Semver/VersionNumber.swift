/// A non-negative decimal number of any length, as SemVer's numeric parts and numeric pre-release identifiers
/// are: the spec puts no bound on them, so `1.0.0-alpha.18446744073709551616` must compare as a number, not
/// overflow or fall back to text. The digits are kept; numbers that fit in 64 bits also keep their value, so
/// the common comparison is one integer compare.
public struct VersionNumber: Hashable, Sendable, CustomStringConvertible {
    /// The decimal digits without leading zeros ("0" for zero).
    public let digits: String
    /// The value when it has at most 19 digits (always fits in UInt64), else nil.
    let small: UInt64?

    public static let zero = VersionNumber(trustedDigits: "0")

    /// Digits already checked: ASCII 0-9, not empty, no leading zero unless the number is 0.
    init(trustedDigits digits: String) {
        self.digits = digits
        if digits.utf8.count <= 19 {
            var v: UInt64 = 0
            for b in digits.utf8 { v = v &* 10 &+ UInt64(b &- 48) }
            small = v
        } else {
            small = nil
        }
    }

    public init(_ value: Int) {
        precondition(value >= 0, "version numbers are not negative")
        self.init(trustedDigits: String(value))
    }

    /// The value as a 64-bit Int when it fits.
    public var intValue: Int? {
        guard let small, small <= UInt64(Int.max) else { return nil }
        return Int(small)
    }

    public var isZero: Bool { small == 0 }

    public var description: String { digits }

    /// Numeric order: a shorter number (no leading zeros) is smaller; equal lengths compare digit by digit.
    public static func compare(_ a: VersionNumber, _ b: VersionNumber) -> Int {
        if let x = a.small, let y = b.small { return x < y ? -1 : (x == y ? 0 : 1) }
        let n = a.digits.utf8.count, m = b.digits.utf8.count
        if n != m { return n < m ? -1 : 1 }
        for (x, y) in zip(a.digits.utf8, b.digits.utf8) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    /// This number plus one, in decimal, so 99999999999999999999 becomes 100000000000000000000.
    public func incremented() -> VersionNumber {
        if let small, small < 999_999_999_999_999_999 { return VersionNumber(trustedDigits: String(small + 1)) }
        var bytes = Array(digits.utf8)
        var i = bytes.count - 1
        while i >= 0 {
            if bytes[i] == UInt8(ascii: "9") {
                bytes[i] = UInt8(ascii: "0")
                i -= 1
            } else {
                bytes[i] += 1
                return VersionNumber(trustedDigits: String(decoding: bytes, as: UTF8.self))
            }
        }
        return VersionNumber(trustedDigits: "1" + String(decoding: bytes, as: UTF8.self))
    }
}
