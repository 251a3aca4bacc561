/// How values turn into text for `print`, `str`, interpolation and error messages. The rules are part of the
/// language contract (scripts and their tests compare this output), so every case is spelled out here once.
extension Value {
    /// How print/str/interpolation show a value at top level: strings raw, everything else as `repr`.
    public var printed: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return DecimalText.string(i)
        default: return repr
        }
    }

    /// How a value shows inside a container: strings quoted with JSON escapes.
    public var repr: String {
        var out = ""
        writeRepr(to: &out, depth: 0)
        return out
    }

    /// Appends `printed` to `out` without building an intermediate string (used by `print` and `join`).
    public func writePrinted(to out: inout String) {
        if case .string(let s) = self {
            out += s
        } else {
            writeRepr(to: &out, depth: 0)
        }
    }

    /// Containers nested deeper than this print as `[...]` / `{...}`: the output is useless by then, and the
    /// recursion must not exhaust the native stack on a pathological value.
    static let maxPrintDepth = 1000

    /// Appends `repr` to `out`; containers write into the one buffer so printing stays linear.
    public func writeRepr(to out: inout String, depth: Int) {
        switch self {
        case .null: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += DecimalText.string(i)
        case .float(let d): out += Value.formatFloat(d)
        case .string(let s): Value.writeQuoted(s, to: &out)
        case .duration(let ms): out += Value.formatDuration(ms)
        case .size(let bytes): out += Value.formatSize(bytes)
        case .list(let xs):
            if depth >= Value.maxPrintDepth { out += "[...]"; return }
            out += "["
            var first = true
            for x in xs {
                if !first { out += ", " }
                first = false
                x.writeRepr(to: &out, depth: depth + 1)
            }
            out += "]"
        case .map(let m):
            if depth >= Value.maxPrintDepth { out += "{...}"; return }
            out += "{"
            var first = true
            let keys = m.keys, values = m.values
            for i in 0..<keys.count {
                guard let k = keys[i] else { continue }
                if !first { out += ", " }
                first = false
                k.writeRepr(to: &out, depth: depth + 1)
                out += ": "
                values[i].writeRepr(to: &out, depth: depth + 1)
            }
            out += "}"
        // An anonymous function's name is "<fn>" (as tracebacks show it); printed, it is just that.
        case .closure(let c): out += c.name == "<fn>" ? "<fn>" : "<fn \(c.name)>"
        case .builtin(let b): out += "<builtin \(b.name)>"
        case .module(let m): out += "<module \(m.name)>"
        case .secret: out += "***"
        }
    }

    /// The shortest text that reads back as exactly `d`, always with a `.` or an exponent so it stays
    /// recognisably a float. Swift's `description` already has that shape (`2.0`, `1e+100`, `5e-324`);
    /// only the NaN spellings (`-nan`, `snan`) are normalised.
    public static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        return d.description
    }

    /// Writes `s` in double quotes with JSON escapes: `\"`, `\\`, `\n`, `\t` by name, other control
    /// characters as `\u00XX`; everything else (non-ASCII included) as is.
    public static func writeQuoted(_ s: String, to out: inout String) {
        out += "\""
        // Most strings need no escaping: append them whole instead of scalar by scalar.
        var needsEscape = false
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            needsEscape = true
            break
        }
        if !needsEscape {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u00"
                    out.unicodeScalars.append(hexDigit(u.value >> 4))
                    out.unicodeScalars.append(hexDigit(u.value & 0xF))
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    private static func hexDigit(_ v: UInt32) -> Unicode.Scalar {
        let digits: StaticString = "0123456789abcdef"
        let byte = digits.withUTF8Buffer { $0[Int(v & 0xF)] }
        return Unicode.Scalar(byte)
    }

    /// Duration units, largest first, in milliseconds.
    static let durationUnits: [(name: String, ms: UInt64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Canonical duration text: units `d h m s ms` largest first, zero parts left out (`1h30m`, `1s500ms`,
    /// `0s`, `-5s`).
    public static func formatDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms.magnitude  // UInt64, so Int64.min has a magnitude too
        var out = ms < 0 ? "-" : ""
        for unit in durationUnits {
            let n = rest / unit.ms
            if n > 0 {
                out += String(n)
                out += unit.name
                rest -= n * unit.ms
            }
        }
        return out
    }

    /// Size units ordered by magnitude, largest first; a size prints in the first one that divides it.
    static let sizeUnits: [(name: String, bytes: UInt64)] = [
        ("TiB", 1 << 40), ("TB", 1_000_000_000_000), ("GiB", 1 << 30), ("GB", 1_000_000_000),
        ("MiB", 1 << 20), ("MB", 1_000_000), ("KiB", 1 << 10), ("KB", 1_000),
    ]

    /// A size in its largest exact unit (`20MB`, `1KiB`, `1500B`, `0B`; 1024000 bytes is `1000KiB`).
    public static func formatSize(_ bytes: Int64) -> String {
        let sign = bytes < 0 ? "-" : ""
        let n = bytes.magnitude
        if n != 0 {
            for unit in sizeUnits where n % unit.bytes == 0 {
                return sign + String(n / unit.bytes) + unit.name
            }
        }
        return sign + String(n) + "B"
    }
}
