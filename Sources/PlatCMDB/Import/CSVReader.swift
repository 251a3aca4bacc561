import Foundation

/// Reads a CSV file record by record with a fixed-size buffer, so a file of any size is read in constant
/// memory. RFC 4180: fields separated by commas, optionally double-quoted, `""` for a quote inside quotes,
/// quoted fields may span lines; LF or CRLF line ends; a UTF-8 byte-order mark at the start is skipped.
public final class CSVReader {
    public struct Problem: Error, Equatable, Sendable {
        public let line: Int
        public let reason: String
    }

    private let fd: Int32
    private let ownsFD: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false
    private var atFileStart = true
    /// The line the next record starts on (1-based).
    public private(set) var line = 1
    /// Bytes read from the file so far.
    private var readTotal = 0
    /// How far into the file the records returned so far reach, in bytes (for progress).
    public var position: Int { readTotal - (end - start) }

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CMDBError(.notFound, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw CMDBError(.invalid, "\(path) is a folder, not a file")
        }
        self.fd = fd
        ownsFD = true
        buffer = [UInt8](repeating: 0, count: 1 << 18)
    }

    /// Reads from an open descriptor (standard input), which stays open.
    public init(fd: Int32) {
        self.fd = fd
        ownsFD = false
        buffer = [UInt8](repeating: 0, count: 1 << 18)
    }

    deinit {
        if ownsFD { close(fd) }
    }

    /// Fills the buffer, keeping the unread bytes; false at end of file.
    private func fill() -> Bool {
        if eof { return false }
        if start > 0 {
            let left = end - start
            if left > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    guard let base = raw.baseAddress else { return }
                    memmove(base, base + start, left)
                }
            }
            start = 0
            end = left
        }
        if end == buffer.count {
            // One record longer than the buffer: grow (a record, not the file, bounds memory).
            buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count))
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + end, raw.count - end)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { eof = true; return false }
            end += n
            readTotal += n
            break
        }
        if atFileStart {
            atFileStart = false
            if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
        }
        return true
    }

    /// The next record's fields and its first line, or nil at the end of the file. Blank lines are skipped.
    public func next() throws -> (fields: [String], line: Int)? {
        guard try next(into: &scratch) else { return nil }
        return (try scratch.strings(), scratch.line)
    }

    /// The record `next()` reads into before making strings of its fields.
    private var scratch = CSVRecord()

    /// The next record, as bytes (not checked to be UTF-8), into `record`; false at the end of the file.
    /// Blank lines are skipped.
    public func next(into record: inout CSVRecord) throws -> Bool {
        while true {
            guard try readRecord(into: &record) else { return false }
            // A NUL byte is no text: stored, it would cut the value short in every C string that reads it.
            let hasNUL = record.bytes.withUnsafeBufferPointer { b in b.baseAddress.map { memchr($0, 0, b.count) != nil } ?? false }
            if hasNUL {
                throw Problem(line: record.line, reason: "a cell holds a NUL byte (\\0), which no field may contain")
            }
            if !(record.count == 1 && record.ends[0] == 0) { return true }
        }
    }

    /// A cell's bytes as a string; nil when they are not valid UTF-8.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // Most cells are ASCII, which is valid UTF-8 as it stands; only other bytes need the (slower)
        // validating conversion.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// An unquoted field that ends, within the buffer, at a comma or a line feed: copied straight from the
    /// buffer. Returns the delimiter's index, or nil when the slower general path must read it (quotes, CR,
    /// the buffer's end).
    private func plainField(at i: Int, into record: inout CSVRecord) -> Int? {
        buffer.withUnsafeBufferPointer { buf -> Int? in
            guard i < end, buf[i] != 0x22 else { return nil }
            var j = i
            while j < end {
                let b = buf[j]
                if b == 0x2C || b == 0x0A { break }
                if b == 0x0D || b == 0x22 { return nil }
                j += 1
            }
            guard j < end else { return nil }
            record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
            record.ends.append(record.bytes.count)
            return j
        }
    }

    private func readRecord(into record: inout CSVRecord) throws -> Bool {
        if start >= end && !fill() { return false }
        let recordLine = line
        record.bytes.removeAll(keepingCapacity: true)
        record.ends.removeAll(keepingCapacity: true)
        record.line = recordLine
        // The field being read is the bytes after the last end.
        var fieldStart = 0
        var inQuotes = false
        var wasQuoted = false
        var i = start
        func finishField() {
            record.ends.append(record.bytes.count)
            fieldStart = record.bytes.count
            wasQuoted = false
        }
        while true {
            // The common case first: a whole unquoted field, copied at once.
            if !inQuotes && !wasQuoted && record.bytes.count == fieldStart, let j = plainField(at: i, into: &record) {
                fieldStart = record.bytes.count
                if buffer[j] == 0x2C {
                    i = j + 1
                    continue
                }
                line += 1
                start = j + 1
                return true
            }
            if i >= end {
                start = i
                if !fill() {
                    // End of file: the record ends here.
                    if inQuotes { throw Problem(line: recordLine, reason: "a quoted field is not closed") }
                    finishField()
                    start = end
                    return true
                }
                i = start
                continue
            }
            let c = buffer[i]
            if inQuotes {
                if c == 0x22 {
                    // A quote ends the field unless the next byte is another quote.
                    if i + 1 >= end {
                        start = i
                        if !fill() { inQuotes = false; i = start + 1; continue }
                        i = start
                        continue
                    }
                    if buffer[i + 1] == 0x22 {
                        record.bytes.append(0x22)
                        i += 2
                    } else {
                        inQuotes = false
                        i += 1
                    }
                } else {
                    if c == 0x0A { line += 1 }
                    record.bytes.append(c)
                    i += 1
                }
                continue
            }
            switch c {
            case 0x2C:
                finishField()
                i += 1
            case 0x0A:
                finishField()
                line += 1
                start = i + 1
                return true
            case 0x0D:
                // CR before LF ends the line; a lone CR is kept as data.
                if i + 1 >= end {
                    start = i
                    if !fill() { finishField(); line += 1; start = end; return true }
                    i = start
                    continue
                }
                if buffer[i + 1] == 0x0A {
                    finishField()
                    line += 1
                    start = i + 2
                    return true
                }
                record.bytes.append(c)
                i += 1
            case 0x22 where record.bytes.count == fieldStart && !wasQuoted:
                inQuotes = true
                wasQuoted = true
                i += 1
            default:
                if wasQuoted {
                    throw Problem(line: line, reason: "text after the closing quote of a field (quote the whole field, doubling inner quotes)")
                }
                // The run of ordinary bytes up to the next comma, quote or line end, copied at once.
                var j = i + 1
                while j < end {
                    let b = buffer[j]
                    if b == 0x2C || b == 0x0A || b == 0x0D || b == 0x22 { break }
                    j += 1
                }
                record.bytes.append(contentsOf: buffer[i..<j])
                i = j
            }
        }
    }
}

/// One CSV record as read: its fields' bytes one after another, where each ends, and its first line.
public struct CSVRecord {
    public internal(set) var bytes: [UInt8] = []
    /// The end of each field in `bytes`; a field starts where the one before it ends.
    public internal(set) var ends: [Int] = []
    public internal(set) var line = 0

    public init() {}

    /// A record of these fields (tests, and callers that have strings already).
    init(fields: [String], line: Int) {
        for f in fields {
            bytes.append(contentsOf: f.utf8)
            ends.append(bytes.count)
        }
        self.line = line
    }

    public var count: Int { ends.count }

    /// Field `k`'s bytes (empty for an empty field).
    public func withField<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let from = k == 0 ? 0 : ends[k - 1]
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[from..<ends[k]])) }
    }

    public func isEmpty(_ k: Int) -> Bool {
        ends[k] == (k == 0 ? 0 : ends[k - 1])
    }

    /// The fields as strings; a field that is not UTF-8 is a problem on the record's line.
    public func strings() throws -> [String] {
        var fields: [String] = []
        fields.reserveCapacity(count)
        for k in 0..<count {
            guard let s = withField(k, CSVReader.text) else {
                throw CSVReader.Problem(line: line, reason: "the file is not valid UTF-8 here")
            }
            fields.append(s)
        }
        return fields
    }
}

/// Writes CSV: quotes a cell only when it needs it.
public enum CSVWriter {
    public static func row(_ cells: [String]) -> String {
        var out = ""
        for (i, c) in cells.enumerated() {
            if i > 0 { out += "," }
            // By bytes: "\r\n" is one Character, equal neither to "\r" nor to "\n".
            if c.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) || c.first == " " || c.last == " " {
                out += "\"" + c.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                out += c
            }
        }
        return out + "\n"
    }
}
