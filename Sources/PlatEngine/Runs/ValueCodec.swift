import Foundation
import PlatLang

/// Stores .plat values in the journal and reads them back exactly: ints stay ints, floats keep every bit,
/// durations and sizes keep their kind, maps keep their order. Plain JSON where it is unambiguous; a one-key
/// object with a `$` tag where it is not. A secret is stored as its name only, never its text.
public enum ValueCodec {
    public struct Unstorable: Error, CustomStringConvertible {
        public let typeName: String
        public var description: String { "a \(typeName) cannot be stored in the journal" }
    }

    public static func encode(_ v: Value) throws -> String {
        var out = ""
        try write(v, into: &out)
        return out
    }

    private static func write(_ v: Value, into out: inout String) throws {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let d): out += "{\"$f\":\"\(d.bitPattern)\"}"
        case .string(let s): out += Value.string(s).repr
        case .duration(let ms): out += "{\"$d\":\(ms)}"
        case .size(let b): out += "{\"$z\":\(b)}"
        case .list(let xs):
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += "," }
                try write(x, into: &out)
            }
            out += "]"
        case .map(let m):
            out += "{\"$m\":["
            for (i, (k, x)) in m.pairs.enumerated() {
                if i > 0 { out += "," }
                out += "["
                try write(k, into: &out)
                out += ","
                try write(x, into: &out)
                out += "]"
            }
            out += "]}"
        case .secret(let s): out += "{\"$secret\":\(Value.string(s.name).repr)}"
        case .closure, .builtin, .module: throw Unstorable(typeName: v.typeName)
        }
    }

    public static func decode(_ text: String) throws -> Value {
        try untag(JSON.decode(text))
    }

    private static func untag(_ v: Value) throws -> Value {
        switch v {
        case .list(let xs): return .list(try xs.map(untag))
        case .map(let m):
            guard m.count == 1, case .string(let tag)? = m.liveKeys.first, let inner = m.liveValues.first else {
                throw RuntimeError("journal value is not in the stored format")
            }
            switch (tag, inner) {
            case ("$f", .string(let bits)):
                guard let b = UInt64(bits) else { break }
                return .float(Double(bitPattern: b))
            case ("$d", .int(let ms)): return .duration(Int64(ms))
            case ("$z", .int(let b)): return .size(Int64(b))
            case ("$m", .list(let pairs)):
                let out = MapStorage()
                for p in pairs {
                    guard case .list(let kv) = p, kv.count == 2 else { throw RuntimeError("bad map in journal") }
                    out.set(try untag(kv[0]), try untag(kv[1]))
                }
                return .map(out)
            case ("$secret", .string(let name)):
                return .secret(SecretValue(name: name, text: ""))
            default: break
            }
            throw RuntimeError("unknown journal value tag \(tag)")
        default: return v
        }
    }
}
