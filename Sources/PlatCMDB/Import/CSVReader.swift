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
        while true {
            guard let (fields, recordLine) = try readRecord() else { return nil }
            if fields.count == 1 && fields[0].isEmpty { continue }
            return (fields, recordLine)
        }
    }

    /// Fields in the previous record: the next one usually has as many.
    private var expectedFields = 8

    /// A cell's bytes as a string; nil when they are not valid UTF-8.
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // Most cells are ASCII, which is valid UTF-8 as it stands; only other bytes need the (slower)
        // validating conversion.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// An unquoted field that ends, within the buffer, at a comma or a line feed: read straight from the
    /// buffer. Returns the field and the delimiter's index, or nil when the slower general path must read it
    /// (quotes, CR, invalid UTF-8, the buffer's end).
    private func plainField(at i: Int) -> (String, Int)? {
        buffer.withUnsafeBufferPointer { buf -> (String, Int)? in
            guard i < end, buf[i] != 0x22 else { return nil }
            var j = i
            while j < end {
                let b = buf[j]
                if b == 0x2C || b == 0x0A { break }
                if b == 0x0D || b == 0x22 { return nil }
                j += 1
            }
            guard j < end, let s = CSVReader.text(UnsafeBufferPointer(rebasing: buf[i..<j])) else { return nil }
            return (s, j)
        }
    }

    private func readRecord() throws -> ([String], Int)? {
        if start >= end && !fill() { return nil }
        let recordLine = line
        var fields: [String] = []
        fields.reserveCapacity(expectedFields)
        defer { expectedFields = max(fields.count, 1) }
        var field: [UInt8] = []
        var inQuotes = false
        var wasQuoted = false
        var i = start
        func finishField() throws {
            guard let s = field.withUnsafeBufferPointer(CSVReader.text) else {
                throw Problem(line: line, reason: "the file is not valid UTF-8 here")
            }
            fields.append(s)
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while true {
            // The common case first: a whole unquoted field, read without copying it byte by byte.
            if !inQuotes && !wasQuoted && field.isEmpty, let (text, j) = plainField(at: i) {
                fields.append(text)
                if buffer[j] == 0x2C {
                    i = j + 1
                    continue
                }
                line += 1
                start = j + 1
                return (fields, recordLine)
            }
            if i >= end {
                start = i
                if !fill() {
                    // End of file: the record ends here.
                    if inQuotes { throw Problem(line: recordLine, reason: "a quoted field is not closed") }
                    try finishField()
                    start = end
                    return (fields, recordLine)
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
                        field.append(0x22)
                        i += 2
                    } else {
                        inQuotes = false
                        i += 1
                    }
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                    i += 1
                }
                continue
            }
            switch c {
            case 0x2C:
                try finishField()
                i += 1
            case 0x0A:
                try finishField()
                line += 1
                start = i + 1
                return (fields, recordLine)
            case 0x0D:
                // CR before LF ends the line; a lone CR is kept as data.
                if i + 1 >= end {
                    start = i
                    if !fill() { try finishField(); line += 1; start = end; return (fields, recordLine) }
                    i = start
                    continue
                }
                if buffer[i + 1] == 0x0A {
                    try finishField()
                    line += 1
                    start = i + 2
                    return (fields, recordLine)
                }
                field.append(c)
                i += 1
            case 0x22 where field.isEmpty && !wasQuoted:
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
                field.append(contentsOf: buffer[i..<j])
                i = j
            }
        }
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
