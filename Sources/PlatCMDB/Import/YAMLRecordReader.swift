import Foundation
import PlatLang

/// Reads host records from a YAML file: a sequence of mappings (what `cmdb export --format yaml` writes).
/// Unlike CSV and JSON Lines, YAML has no framing that would let one record be cut out of a stream, so the
/// file is decoded whole on the first `next()`; a syntax error is a problem at its line.
public final class YAMLRecordReader {
    private let path: String
    private var records: [(object: [String: Any], line: Int)] = []
    private var index = 0
    private var loaded = false
    private var size = 0

    public init(path: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CMDBError(.notFound, "cannot read \(path)")
        }
        self.path = path
    }

    /// How far into the file the records returned so far reach, in bytes (for progress): all of it once read.
    public var position: Int { loaded && index >= records.count ? size : 0 }

    /// The next record and the line its entry starts on; nil at the end.
    public func next() throws -> (object: [String: Any], line: Int)? {
        if !loaded { try load() }
        guard index < records.count else { return nil }
        defer { index += 1 }
        return records[index]
    }

    private func load() throws {
        loaded = true
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVReader.Problem(line: 0, reason: "cannot read \(path)")
        }
        size = data.count
        let decoded: (value: Value, entryLines: [Int])
        do {
            decoded = try YAML.decodeRecords(String(decoding: data, as: UTF8.self), file: path)
        } catch let e as YAMLError {
            throw CSVReader.Problem(line: e.line, reason: "not valid YAML at column \(e.column): \(e.reason)")
        }
        switch decoded.value {
        case .null:
            return
        case .list(let entries):
            for (i, entry) in entries.enumerated() {
                let line = i < decoded.entryLines.count ? decoded.entryLines[i] : 0
                guard case .map = entry, let object = DataFile.foundationObject(entry) as? [String: Any] else {
                    throw CSVReader.Problem(line: line, reason: "expected a mapping of host fields, found a \(entry.typeName)")
                }
                records.append((object, line))
            }
        default:
            throw CSVReader.Problem(line: 1, reason: "expected a YAML sequence of mappings (- field: value), found a \(decoded.value.typeName)")
        }
    }
}
