import Foundation

/// Reads JSON records one at a time in constant memory: a top-level array of objects (`[{...}, {...}]`, what
/// `cmdb export --format json` writes) or JSON Lines (one object per line). Each object is cut out of the
/// stream by tracking strings and nesting, then parsed on its own.
public final class JSONRecordReader {
    private let reader: ByteStream
    private var line = 1
    private var started = false
    private var isArray = false
    private var finished = false

    public init(path: String) throws {
        reader = try ByteStream(path: path)
    }

    /// How far into the file the objects returned so far reach, in bytes (for progress).
    public var position: Int { reader.position }

    /// The next object and the line it starts on; nil at the end.
    public func next() throws -> (object: [String: Any], line: Int)? {
        if finished { return nil }
        if !started {
            started = true
            skipBOM()
            guard let c = try skipSpace() else { finished = true; return nil }
            if c == UInt8(ascii: "[") {
                isArray = true
                reader.advance()
            } else if c != UInt8(ascii: "{") {
                throw CSVReader.Problem(line: line, reason: "expected a JSON array of objects or one object per line")
            }
        }
        guard var c = try skipSpace() else {
            if isArray { throw CSVReader.Problem(line: line, reason: "the JSON array is not closed with ]") }
            finished = true
            return nil
        }
        if isArray {
            if c == UInt8(ascii: "]") {
                reader.advance()
                if try skipSpace() != nil { throw CSVReader.Problem(line: line, reason: "unexpected text after the closing ]") }
                finished = true
                return nil
            }
            if c == UInt8(ascii: ",") {
                reader.advance()
                guard let d = try skipSpace() else { throw CSVReader.Problem(line: line, reason: "the JSON array ends after a comma") }
                c = d
            }
        }
        guard c == UInt8(ascii: "{") else {
            throw CSVReader.Problem(line: line, reason: "expected an object ({...}), found '\(Character(Unicode.Scalar(c)))'")
        }
        let objectLine = line
        var bytes: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        // The keys seen in each open object (nil for an array), and the last string read: a string followed
        // by ':' is a key. A key given twice is refused: a parser would keep one of the values silently.
        var keys: [Set<[UInt8]>?] = []
        var stringStart = 0
        var lastString: [UInt8]? = nil
        while let b = reader.peek() {
            reader.advance()
            bytes.append(b)
            if b == 0x0A { line += 1 }
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 {
                    inString = false
                    lastString = Array(bytes[stringStart..<(bytes.count - 1)])
                }
                continue
            }
            switch b {
            case 0x22:
                inString = true
                stringStart = bytes.count
            case UInt8(ascii: ":"):
                if let key = lastString, !keys.isEmpty, keys[keys.count - 1] != nil {
                    if keys[keys.count - 1]!.insert(key).inserted == false {
                        throw CSVReader.Problem(line: line, reason: "the key \"\(String(decoding: key, as: UTF8.self))\" appears twice in one object")
                    }
                }
                lastString = nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                keys.append(b == UInt8(ascii: "{") ? [] : nil)
                lastString = nil
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !keys.isEmpty { keys.removeLast() }
                lastString = nil
                depth -= 1
                if depth == 0 {
                    guard let o = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                        throw CSVReader.Problem(line: objectLine, reason: "this object is not valid JSON")
                    }
                    return (o, objectLine)
                }
            case UInt8(ascii: ","):
                lastString = nil
            default: break
            }
            if bytes.count > 16 << 20 { throw CSVReader.Problem(line: objectLine, reason: "an object longer than 16 MiB") }
        }
        throw CSVReader.Problem(line: objectLine, reason: "the file ends inside this object")
    }

    private func skipBOM() {
        if reader.peek() == 0xEF, reader.peek(1) == 0xBB, reader.peek(2) == 0xBF {
            reader.advance(); reader.advance(); reader.advance()
        }
    }

    private func skipSpace() throws -> UInt8? {
        while let b = reader.peek() {
            if b == 0x0A { line += 1 }
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { reader.advance(); continue }
            return b
        }
        return nil
    }
}

/// Bytes of a file through a fixed buffer.
final class ByteStream {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var pos = 0
    private var end = 0
    private var eof = false
    /// Bytes read from the file so far.
    private var readTotal = 0
    /// Bytes consumed so far.
    var position: Int { readTotal - (end - pos) }

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CMDBError(.notFound, "cannot read \(path): \(String(cString: strerror(errno)))") }
        self.fd = fd
    }

    deinit { close(fd) }

    private func fill() -> Bool {
        if eof { return false }
        let keep = end - pos
        if keep > 0 && pos > 0 {
            buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + pos, keep)
            }
        }
        end = keep
        pos = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + end, raw.count - end)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { eof = true; return end > pos }
            end += n
            readTotal += n
            return true
        }
    }

    func peek(_ ahead: Int = 0) -> UInt8? {
        while pos + ahead >= end {
            if eof || !fill() { return pos + ahead < end ? buffer[pos + ahead] : nil }
        }
        return buffer[pos + ahead]
    }

    func advance() { pos += 1 }
}
