import Foundation

/// A JSON or YAML file read into a value, the format picked by the extension: `.yaml` and `.yml` are YAML,
/// `.json` is JSON, anything else is the caller's default. For every command that takes a description,
/// policy or listing as a file, so YAML works wherever JSON does, with errors that point at the place.
public enum DataFile {
    public enum Format: String, Sendable {
        case json, yaml

        /// From the file name; nil when the extension says neither.
        public static func of(path: String) -> Format? {
            let lower = path.lowercased()
            if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .yaml }
            if lower.hasSuffix(".json") { return .json }
            return nil
        }
    }

    /// Reads and decodes `path`. Throws `DataFileError`: the file cannot be read, is not UTF-8, or is not
    /// valid in its format (then with the line and column).
    public static func read(_ path: String, defaultFormat: Format = .json) throws -> Value {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(path: path, reason: "cannot be read (missing or not a file)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataFileError(path: path, reason: "not UTF-8 text")
        }
        return try decode(text, format: Format.of(path: path) ?? defaultFormat, path: path)
    }

    /// Decodes `text` in `format`; errors name `path`.
    public static func decode(_ text: String, format: Format, path: String) throws -> Value {
        switch format {
        case .yaml:
            do {
                return try YAML.decode(text, file: path)
            } catch let e as YAMLError {
                throw DataFileError(path: path, line: e.line, column: e.column, reason: "not valid YAML: \(e.reason)")
            }
        case .json:
            do {
                return try JSON.decodeLocated(text)
            } catch let e as JSON.SyntaxError {
                throw DataFileError(path: path, line: e.line, column: e.column, reason: "not valid JSON: \(e.reason)")
            }
        }
    }

    /// The value as Foundation objects, the shape `JSONSerialization` gives (`NSNull`, `NSNumber` for bools,
    /// ints and floats, `String`, `[Any]`, `[String: Any]`), for code written against that. Non-string keys become
    /// their printed text; durations and sizes their printed text; functions and the like their description.
    public static func foundationObject(_ v: Value) -> Any {
        switch v {
        case .null: return NSNull()
        case .bool(let b): return NSNumber(value: b)
        case .int(let i): return NSNumber(value: i)
        case .float(let d): return NSNumber(value: d)
        case .string(let s): return s
        case .list(let xs): return xs.map(foundationObject)
        case .map(let m):
            var out: [String: Any] = [:]
            for (k, x) in m.pairs {
                if case .string(let s) = k { out[s] = foundationObject(x) } else { out[k.printed] = foundationObject(x) }
            }
            return out
        default: return v.printed
        }
    }
}

/// A data file that cannot be used: `PATH:LINE:COL: reason`, or `PATH: reason` when there is no place.
public struct DataFileError: Error, CustomStringConvertible {
    public let path: String
    public let line: Int?
    public let column: Int?
    public let reason: String

    public init(path: String, line: Int? = nil, column: Int? = nil, reason: String) {
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        if let line, let column { return "\(path):\(line):\(column): \(reason)" }
        return "\(path): \(reason)"
    }
}
