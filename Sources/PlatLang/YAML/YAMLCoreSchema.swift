/// The YAML 1.2 core schema: which plain scalars are null, bools, ints and floats (section 10.3.2). Only
/// these exact forms; everything else is a string, so `yes`, `on`, `no`, `1_000`, `0b101` and `+0x1F` are
/// strings, and `0777` is the decimal int 777 (it matches `[-+]?[0-9]+`).
enum YAMLCoreSchema {
    /// An int in a core-schema form that does not fit in 64 bits.
    struct TooBig: Error {
        let reason: String
    }

    /// The value of a plain scalar, or nil when it is a string.
    static func resolve(_ text: String) throws -> Value? {
        let u = Array(text.utf8)
        guard let first = u.first else { return .null }
        // Every non-string form starts with one of these; most strings are decided by one byte.
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
             UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "f"), UInt8(ascii: "F"):
            break
        default:
            return nil
        }
        switch text {
        case "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if u.count > 2 && u[0] == UInt8(ascii: "0") && (u[1] == UInt8(ascii: "o") || u[1] == UInt8(ascii: "x")) {
            let octal = u[1] == UInt8(ascii: "o")
            let digits = u[2...]
            let valid = digits.allSatisfy { b in
                octal ? (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(b) : isHexDigit(b)
            }
            guard valid else { return nil }
            guard let i = Int(String(decoding: digits, as: UTF8.self), radix: octal ? 8 : 16) else {
                throw TooBig(reason: "the int \(text) does not fit in 64 bits; quote it to keep it as a string")
            }
            return .int(i)
        }
        var i = 0
        if u[0] == UInt8(ascii: "-") || u[0] == UInt8(ascii: "+") { i = 1 }
        let intStart = i
        while i < u.count && isDigit(u[i]) { i += 1 }
        let intDigits = i - intStart
        if i == u.count {
            guard intDigits > 0 else { return nil }
            guard let v = Int(text) else {
                throw TooBig(reason: "the int \(text) does not fit in 64 bits; quote it to keep it as a string")
            }
            return .int(v)
        }
        // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        var fractionDigits = 0
        var sawPoint = false
        if u[i] == UInt8(ascii: ".") {
            sawPoint = true
            i += 1
            while i < u.count && isDigit(u[i]) { i += 1; fractionDigits += 1 }
        }
        if intDigits == 0 && fractionDigits == 0 { return nil }
        if intDigits == 0 && !sawPoint { return nil }
        if i < u.count && (u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E")) {
            i += 1
            if i < u.count && (u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+")) { i += 1 }
            let expStart = i
            while i < u.count && isDigit(u[i]) { i += 1 }
            if i == expStart { return nil }
        }
        guard i == u.count, let d = Double(text) else { return nil }
        return .float(d)
    }

    /// A float as the core schema reads it back: `.inf`, `-.inf`, `.nan`, else Swift's shortest text
    /// (`1.0`, `1e+20`, `5e-07`), which always has a point or an exponent.
    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        return d.description
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
    }
}
