import Testing
@testable import PlatLang

/// The shapes the parser gives slices and conditional expressions: where each part ends and how they nest
/// with the operators around them.
@Suite("parser: slices and the conditional expression")
struct SliceConditionalParserTests {
    func tree(_ source: String) -> (String, [String]) {
        let (program, diagnostics) = parseProgram(SourceFile(path: "t.plat", text: "x = " + source))
        let errors = diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.col ?? 0): \($0.message)" }
        return (TreePrinter.program(program.statements), errors)
    }

    @Test("shapes", arguments: [
        ("xs[1:3]", "x = xs[1:3]"),
        ("xs[:-1]", "x = xs[:(-1)]"),
        ("xs[2:]", "x = xs[2:]"),
        ("xs[:]", "x = xs[:]"),
        ("xs[::2]", "x = xs[::2]"),
        ("xs[1::-1]", "x = xs[1::(-1)]"),
        ("xs[a + 1:len(xs) - 1:k]", "x = xs[(a + 1):(len(xs) - 1):k]"),
        ("xs[1:][0]", "x = xs[1:][0]"),
        ("f(xs)[i:j].upper()", "x = f(xs)[i:j].upper()"),
        ("xs[\n1\n:\n2\n]", "x = xs[1:2]"),
        ("if a then b else c", "x = (if a then b else c)"),
        ("if a then b else c + d", "x = (if a then b else (c + d))"),
        ("(if a then b else c) + d", "x = ((if a then b else c) + d)"),
        ("if a or b then 1 else if c then 2 else 3", "x = (if (a or b) then 1 else (if c then 2 else 3))"),
        ("if a then if b then 1 else 2 else 3", "x = (if a then (if b then 1 else 2) else 3)"),
        ("[if a then 1 else 2, 3]", "x = [(if a then 1 else 2), 3]"),
        ("f(k: if a then 1 else 2)", "x = f(k: (if a then 1 else 2))"),
        ("xs[if a then 1 else 2:]", "x = xs[(if a then 1 else 2):]"),
        ("if a then\n  1\nelse\n  2", "x = (if a then 1 else 2)"),
        ("then + 1", "x = (then + 1)"),
    ])
    func shapes(source: String, expected: String) {
        let (tree, errors) = tree(source)
        #expect(errors.isEmpty, "\(errors)")
        #expect(tree == expected)
    }

    @Test("errors", arguments: [
        ("xs[1:2:3:4]", "1:13: expected ']' to close the slice started at 1:7, found ':'"),
        ("xs[1:2", "1:11: expected ']' to close the slice started at 1:7, found end of file"),
        ("if a { 1 } else { 2 }", "1:10: expected 'then' after the condition of the conditional expression started at 1:5, found '{'"),
        ("if a then 1", "1:16: expected 'else' in the conditional expression started at 1:5, found end of file"),
        ("if a then 1\nprint(2)", "1:16: expected 'else' in the conditional expression started at 1:5, found end of line"),
    ])
    func errors(source: String, expected: String) {
        let (_, errors) = tree(source)
        #expect(errors.first == expected, "\(errors)")
    }

    @Test("a slice cannot be assigned to")
    func sliceAssignment() {
        let (program, diagnostics) = parseProgram(SourceFile(path: "t.plat", text: "xs[1:2] = [5]\n"))
        _ = program
        #expect(diagnostics.map(\.message) == ["cannot assign to a slice"])
    }
}
