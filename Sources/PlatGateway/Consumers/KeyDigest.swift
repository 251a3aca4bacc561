import Foundation

/// The digest a consumer key is kept as, in the database and in the rendered nginx configuration: the
/// base64url (no padding) of MD5 over the whole key text. It is MD5 because that is the one digest stock nginx
/// computes over request data without extra modules (`secure_link_md5`), so the data plane checks the digest
/// and never holds a key in clear. Keys carry 256 random bits (`ConsumerKeyText`), so finding a key from its
/// digest is a preimage search, which MD5's known weaknesses (collisions) do not shorten.
public enum KeyDigest {
    public static func of(_ key: String) -> String {
        base64url(MD5.digest(Array(key.utf8)))
    }

    public static func base64url(_ bytes: [UInt8]) -> String {
        var s = Data(bytes).base64EncodedString()
        s = s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while s.hasSuffix("=") { s.removeLast() }
        return s
    }
}

/// A consumer key's text: `KEYID.SECRET`, a 12-hex-digit id that names the key (shown in lists, logged,
/// used to find its digest) and 32 random bytes in base64url. Only the digest of the whole text is stored.
public enum ConsumerKeyText {
    /// What the data plane accepts before looking a key up: the map in the rendered configuration uses the
    /// same shape.
    public static let nginxPattern = "^([0-9a-f]{12})\\.[A-Za-z0-9_-]{43}$"

    public static func generate() -> (id: String, key: String) {
        var rng = SystemRandomNumberGenerator()
        let idBytes = (0..<6).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let id = idBytes.map { String(format: "%02x", $0) }.joined()
        return (id, id + "." + KeyDigest.base64url(secret))
    }
}

/// RFC 1321 MD5, for `KeyDigest` only (Foundation on Linux has no digest API).
enum MD5 {
    static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                   5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                   4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                   6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    /// floor(|sin(i + 1)| × 2^32), as the RFC defines the table.
    static let table: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64((abs(sin(Double($0 + 1))) * 4_294_967_296).rounded(.down))) }

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var bytes = message
        let bitLength = UInt64(message.count) &* 8
        bytes.append(0x80)
        while bytes.count % 64 != 56 { bytes.append(0) }
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        var a0: UInt32 = 0x67452301, b0: UInt32 = 0xefcdab89, c0: UInt32 = 0x98badcfe, d0: UInt32 = 0x10325476
        var words = [UInt32](repeating: 0, count: 16)
        for chunk in stride(from: 0, to: bytes.count, by: 64) {
            for i in 0..<16 {
                let o = chunk + 4 * i
                words[i] = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
            }
            var a = a0, b = b0, c = c0, d = d0
            for i in 0..<64 {
                var f: UInt32
                let g: Int
                switch i {
                case 0..<16: f = (b & c) | (~b & d); g = i
                case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
                case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * i) % 16
                }
                f = f &+ a &+ table[i] &+ words[g]
                a = d
                d = c
                c = b
                b = b &+ (f << shifts[i] | f >> (32 - shifts[i]))
            }
            a0 = a0 &+ a
            b0 = b0 &+ b
            c0 = c0 &+ c
            d0 = d0 &+ d
        }
        return [a0, b0, c0, d0].flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * UInt32($0))) } }
    }
}
