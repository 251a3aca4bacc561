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

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.scalars = Array(text.unicodeScalars)
    }

    /// Reads a file from disk. Invalid UTF-8 is decoded with replacement characters so the lexer can
    /// point at them instead of the loader refusing the whole file.
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
        let text = String(decoding: data, as: UTF8.self)
        return SourceFile(path: path, text: text)
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
