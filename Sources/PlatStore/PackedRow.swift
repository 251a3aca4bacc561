/// The values of one row, packed for `PreparedStatement.run(_:)`: every text and blob in one byte buffer.
///
/// Binding a Swift `String` makes SQLite copy it into memory of its own (one allocation and one free per text
/// value); a packed row is bound in place instead, so a 30-column insert costs two allocations, not thirty.
/// It is built on one thread and bound on another (an import parses while it writes).
public struct PackedRow: Sendable, Equatable {
    enum Cell: Sendable, Equatable {
        case null
        case int(Int64)
        case double(Double)
        case text(start: Int32, count: Int32)
        case blob(start: Int32, count: Int32)
    }

    var bytes: [UInt8] = []
    var cells: [Cell] = []

    public init(columns: Int = 0, bytes: Int = 0) {
        cells.reserveCapacity(columns)
        self.bytes.reserveCapacity(bytes)
    }

    /// How many values.
    public var count: Int { cells.count }
    /// How many bytes of text and blobs.
    public var byteCount: Int { bytes.count }

    public mutating func appendNull() { cells.append(.null) }

    public mutating func append(_ value: Int64) { cells.append(.int(value)) }

    public mutating func append(_ value: Double) { cells.append(.double(value)) }

    public mutating func append(_ text: String) {
        let start = Int32(bytes.count)
        PackedRow.appendUTF8(text, to: &bytes)
        cells.append(.text(start: start, count: Int32(bytes.count) - start))
    }

    /// Appends a string's UTF-8 bytes with one copy: appending `text.utf8` goes byte by byte for the short
    /// strings Swift keeps inline, which most cells are.
    @inlinable
    public static func appendUTF8(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends one text value given as UTF-8 bytes (which must be valid UTF-8).
    public mutating func append(utf8 text: UnsafeBufferPointer<UInt8>) {
        let start = Int32(bytes.count)
        bytes.append(contentsOf: text)
        cells.append(.text(start: start, count: Int32(text.count)))
    }

    /// Appends one text value given as UTF-8 bytes (which must be valid UTF-8).
    public mutating func append(utf8 text: [UInt8]) {
        let start = Int32(bytes.count)
        bytes.append(contentsOf: text)
        cells.append(.text(start: start, count: Int32(text.count)))
    }

    /// Appends one text value: `items` joined by `separator`, without building the joined string first.
    public mutating func append(joined items: [String], separator: UInt8) {
        let start = Int32(bytes.count)
        for (k, item) in items.enumerated() {
            if k > 0 { bytes.append(separator) }
            PackedRow.appendUTF8(item, to: &bytes)
        }
        cells.append(.text(start: start, count: Int32(bytes.count) - start))
    }

    public mutating func append(blob: [UInt8]) {
        let start = Int32(bytes.count)
        bytes.append(contentsOf: blob)
        cells.append(.blob(start: start, count: Int32(blob.count)))
    }

    /// Appends all of another row's values: for a multi-row `INSERT ... VALUES (...), (...)`.
    public mutating func append(contentsOf other: PackedRow) {
        let shift = Int32(bytes.count)
        bytes.append(contentsOf: other.bytes)
        for cell in other.cells {
            switch cell {
            case .text(let start, let count): cells.append(.text(start: start + shift, count: count))
            case .blob(let start, let count): cells.append(.blob(start: start + shift, count: count))
            default: cells.append(cell)
            }
        }
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        cells.removeAll(keepingCapacity: true)
    }

    public mutating func append(_ value: SQLValue) {
        switch value {
        case .null: appendNull()
        case .int(let v): append(v)
        case .double(let v): append(v)
        case .text(let s): append(s)
        case .blob(let b): append(blob: b)
        }
    }
}
