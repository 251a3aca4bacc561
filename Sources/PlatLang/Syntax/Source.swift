import Foundation

/// A source file as the user named it, with its text split into lines for error excerpts.
public final class SourceFile: @unchecked Sendable {
    /// The path exactly as given on the command line (or the import path as resolved); diagnostics print it.
    public let path: String
    public let text: String
    /// The text as unicode scalars, which is what the lexer walks; columns count characters.
    public let scalars: [Unicode.Scalar]
    public private(set) lazy var lines: [String] = text.split(separator: "\n", omittingEmptySubsequences: false).map {
        $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
    }

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.scalars = Array(text.unicodeScalars)
    }

    /// Reads a file from disk. Invalid UTF-8 is decoded with replacement characters so the lexer can
    /// point at them instead of the loader refusing the whole file.
    public static func load(path: String) throws -> SourceFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Diagnostic(message: "cannot read file '\(path)'", location: nil,
                             hint: FileManager.default.fileExists(atPath: path) ? "check its permissions" : "no such file")
        }
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
