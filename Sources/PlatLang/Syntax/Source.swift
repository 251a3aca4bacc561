import Foundation

/// A source file as the user named it, with its text split into lines for error excerpts.
public final class SourceFile: @unchecked Sendable {
    /// The path exactly as given on the command line (or the import path as resolved); diagnostics print it.
    public let path: String
    public let text: String
    /// The text as unicode scalars, which is what the lexer walks; columns count characters.
    public let scalars: [Unicode.Scalar]
    /// Split on the scalar "\n", not the Character: Swift treats "\r\n" as one Character, so splitting the
    /// String would leave CRLF files as a single line.
    public private(set) lazy var lines: [String] = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
        var line = String(String.UnicodeScalarView($0))
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }

    /// Where the file's bytes were not valid UTF-8: the offset in `scalars` of the U+FFFD that `load` put in
    /// place of each bad sequence. The lexer reports them wherever they stand, inside strings and comments
    /// too, so a file is never run with text it did not mean (grammar.md 1.1).
    public let invalidUTF8: [Int]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.scalars = Array(text.unicodeScalars)
        self.invalidUTF8 = []
    }

    /// Decodes `bytes` as UTF-8, each invalid sequence read as U+FFFD (as `String(decoding:)` does) and
    /// remembered in `invalidUTF8`.
    public init(path: String, bytes: Data) {
        self.path = path
        if let text = String(validating: bytes, as: UTF8.self) {
            self.text = text
            self.scalars = Array(text.unicodeScalars)
            self.invalidUTF8 = []
            return
        }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        var invalid: [Int] = []
        var decoder = UTF8()
        var input = bytes.makeIterator()
        decoding: while true {
            switch decoder.decode(&input) {
            case .scalarValue(let v): scalars.append(v)
            case .error:
                invalid.append(scalars.count)
                scalars.append("\u{FFFD}")
            case .emptyInput: break decoding
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self.text = String(view)
        self.scalars = scalars
        self.invalidUTF8 = invalid
    }

    /// Reads a file from disk. Invalid UTF-8 is decoded with replacement characters so the lexer can
    /// point at each of them instead of the loader refusing the whole file with no position.
    public static func load(path: String) throws -> SourceFile {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            throw Diagnostic(message: "cannot read '\(path)': it is a directory", location: nil,
                             hint: "name a .plat file, e.g. \(path)/main.plat")
        }
        // FileHandle also reads pipes and devices (`<(...)`, /dev/stdin), which FileManager.contents does not.
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
            throw Diagnostic(message: "cannot read file '\(path)'", location: nil,
                             hint: exists ? "check its permissions" : "no such file")
        }
        try? handle.close()
        return SourceFile(path: path, bytes: data)
    }

    public func line(_ n: Int) -> String? {
        n >= 1 && n <= lines.count ? lines[n - 1] : nil
    }
}

/// A position in a source file: 1-based line and column, the column counted in characters.
public struct SourceLoc: Hashable, Sendable, CustomStringConvertible {
    public var file: SourceFile?
    public var line: Int32
    public var col: Int32

    public init(file: SourceFile?, line: Int, col: Int) {
        self.file = file
        self.line = Int32(truncatingIfNeeded: line)
        self.col = Int32(truncatingIfNeeded: col)
    }

    public static let unknown = SourceLoc(file: nil, line: 0, col: 0)

    public var description: String {
        "\(file?.path ?? "<unknown>"):\(line):\(col)"
    }

    public static func == (a: SourceLoc, b: SourceLoc) -> Bool {
        a.file === b.file && a.line == b.line && a.col == b.col
    }
    public func hash(into h: inout Hasher) {
        h.combine(line)
        h.combine(col)
    }
}
