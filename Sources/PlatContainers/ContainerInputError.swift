import PlatLang

/// Why a chart, values, image or cluster is refused: what went wrong, where (a `FILE:LINE:COL` when there is a
/// file, a manifest and field otherwise), and a hint. All of them are bad input: the CLI exits 2.
public struct ContainerInputError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?
    /// The whole text for errors that render themselves (a chart.plat diagnostic with its source line, caret
    /// and traceback); nil when `message` and `hint` say it all.
    public var rendered: String?

    public init(_ message: String, hint: String? = nil, rendered: String? = nil) {
        self.message = message
        self.hint = hint
        self.rendered = rendered
    }

    /// A diagnostic of chart.plat (parse, resolve or runtime), kept with its place and traceback.
    init(_ diagnostic: Diagnostic) {
        self.init(diagnostic.message, hint: diagnostic.hint, rendered: diagnostic.rendered())
    }

    /// Several diagnostics of chart.plat at once (everything `platflow check` would report).
    init(_ list: DiagnosticList) {
        self.init(list.description, rendered: list.description)
    }

    public var description: String {
        rendered ?? ("error: \(message)\n" + (hint.map { "hint: \($0)\n" } ?? ""))
    }
}
