/// One result row: its values by column index and by column name.
///
/// The column names are shared with the statement that produced the row (one array per prepared statement,
/// not one dictionary per row), so building a row costs one array of values. Looking a column up by name is a
/// linear scan, which for the handful of columns a query selects is faster than hashing.
public struct Row: Sendable {
    /// The result's column names, in order (as SQLite reports them: the `AS` alias when there is one).
    public let columnNames: [String]
    /// The values, in column order.
    public let values: [SQLValue]

    public init(columnNames: [String], values: [SQLValue]) {
        self.columnNames = columnNames
        self.values = values
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The value of the named column; `.null` when the row has no such column.
    /// Names match exactly first, then ignoring ASCII case (SQLite's own rule for identifiers).
    public subscript(_ column: String) -> SQLValue {
        guard let index = index(of: column) else { return .null }
        return values[index]
    }

    /// The value at a column index; `.null` when the index is out of range.
    public subscript(_ index: Int) -> SQLValue {
        guard index >= 0, index < values.count else { return .null }
        return values[index]
    }

    /// The index of the named column, or nil.
    public func index(of column: String) -> Int? {
        let limit = min(columnNames.count, values.count)
        var i = 0
        while i < limit {
            if columnNames[i] == column { return i }
            i += 1
        }
        i = 0
        while i < limit {
            if Row.equalIgnoringASCIICase(columnNames[i], column) { return i }
            i += 1
        }
        return nil
    }

    /// The integer in the column; a REAL with no fractional part converts too (REAL-affinity columns store
    /// whole numbers as floats). Nil for NULL, text, blobs and a missing column.
    public func int(_ c: String) -> Int64? {
        switch self[c] {
        case .int(let v): return v
        case .double(let d):
            guard d.rounded() == d, d >= -9.2e18, d <= 9.2e18 else { return nil }
            return Int64(d)
        default: return nil
        }
    }

    /// The text in the column; nil for anything that is not text.
    public func string(_ c: String) -> String? {
        if case .text(let s) = self[c] { return s }
        return nil
    }

    /// The number in the column (an INTEGER converts); nil for NULL, text, blobs and a missing column.
    public func double(_ c: String) -> Double? {
        switch self[c] {
        case .double(let d): return d
        case .int(let v): return Double(v)
        default: return nil
        }
    }

    /// A boolean stored as a number: zero is false, anything else true; nil for NULL, text and blobs.
    public func bool(_ c: String) -> Bool? {
        switch self[c] {
        case .int(let v): return v != 0
        case .double(let d): return d != 0
        default: return nil
        }
    }

    /// The bytes in the column: a blob as is, text as its UTF-8 bytes; nil for NULL and numbers.
    public func blob(_ c: String) -> [UInt8]? {
        switch self[c] {
        case .blob(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return nil
        }
    }

    private static func equalIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        var ia = a.utf8.makeIterator()
        var ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return true
            case let (x?, y?):
                let lx = (x >= 65 && x <= 90) ? x + 32 : x
                let ly = (y >= 65 && y <= 90) ? y + 32 : y
                if lx != ly { return false }
            default: return false
            }
        }
    }
}

extension Row: CustomStringConvertible {
    /// `[name: value, ...]`, for logs and test failures.
    public var description: String {
        var parts: [String] = []
        for (i, value) in values.enumerated() {
            let name = i < columnNames.count ? columnNames[i] : String(i)
            parts.append("\(name): \(value)")
        }
        return "[" + parts.joined(separator: ", ") + "]"
    }
}
