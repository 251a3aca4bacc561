/// Why a version or a range was refused, and where: `column` counts characters from 1 in `input`, so a
/// command line can put a caret under the fault.
public struct SemverError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, without the input: "leading zero in minor version '01'".
    public let reason: String
    /// The whole text that was being read (the version, or the range).
    public let input: String
    /// 1-based character column of the fault in `input`.
    public let column: Int
    public let hint: String?
    /// "version" or "range": what `input` was meant to be.
    public let kind: String

    public init(_ reason: String, input: String, column: Int, hint: String? = nil, kind: String = "version") {
        self.reason = reason
        self.input = input
        self.column = column
        self.hint = hint
        self.kind = kind
    }

    /// "invalid version '1.01.0': leading zero in minor version '01' (column 3)".
    public var description: String { "invalid \(kind) '\(input)': \(reason) (column \(column))" }

    /// The input with a caret line under the column, for terminals (tabs and newlines shown as spaces).
    public var pointer: String {
        let shown = input.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : String($0) }.joined()
        return "  " + shown + "\n  " + String(repeating: " ", count: max(0, column - 1)) + "^"
    }
}
