/// One SQLite value: the five storage classes SQLite knows, nothing more.
///
/// Values travel into statements as bindings (never spliced into SQL text) and come back out of rows. Text is
/// always UTF-8; blobs are raw bytes and may contain NUL.
public enum SQLValue: Equatable, Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue: CustomStringConvertible {
    /// A short, SQL-literal-like rendering for logs and test failures (blobs as `x'..'` hex, long ones cut).
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .text(let s): return "'" + s.replacingAll("'", with: "''") + "'"
        case .blob(let bytes):
            let hexDigits = Array("0123456789abcdef")
            var out = "x'"
            for byte in bytes.prefix(32) {
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
            return out + (bytes.count > 32 ? "...' (\(bytes.count) bytes)" : "'")
        }
    }
}

extension String {
    /// Replaces every occurrence of one character, without Foundation.
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}

/// A Swift value that can be bound to a statement parameter.
///
/// Call sites pass ordinary Swift values (`db.execute("... WHERE id = ?", id)`); each conformance says which
/// storage class it becomes. `nil` (and any `Optional` holding nothing) binds SQL NULL.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLBindable {
    public var sqlValue: SQLValue { self }
}

extension Int: SQLBindable {
    public var sqlValue: SQLValue { .int(Int64(self)) }
}

extension Int64: SQLBindable {
    public var sqlValue: SQLValue { .int(self) }
}

extension Int32: SQLBindable {
    public var sqlValue: SQLValue { .int(Int64(self)) }
}

extension Double: SQLBindable {
    public var sqlValue: SQLValue { .double(self) }
}

extension String: SQLBindable {
    public var sqlValue: SQLValue { .text(self) }
}

extension Substring: SQLBindable {
    public var sqlValue: SQLValue { .text(String(self)) }
}

/// Booleans are stored as the integers 0 and 1, which is what SQLite's own `TRUE`/`FALSE` mean.
extension Bool: SQLBindable {
    public var sqlValue: SQLValue { .int(self ? 1 : 0) }
}

extension Array: SQLBindable where Element == UInt8 {
    public var sqlValue: SQLValue { .blob(self) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue {
        switch self {
        case .none: return .null
        case .some(let wrapped): return wrapped.sqlValue
        }
    }
}
