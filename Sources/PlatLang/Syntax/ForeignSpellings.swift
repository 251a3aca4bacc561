/// Words that newcomers bring from other languages, and how .plat spells them. The parser and the resolver add
/// these as hints when such a word is where a statement or a value was expected (`throw "x"`, `x = null`), because
/// a "did you mean" by edit distance guesses wrong for them (`null` is closest to `all`).
enum ForeignSpellings {
    static func hint(for word: String) -> String? {
        switch word {
        case "null", "None", "undefined", "NULL", "nul": return "the absence of a value is written nil"
        case "True", "TRUE": return "booleans are written true and false"
        case "False", "FALSE": return "booleans are written true and false"
        case "throw", "raise", "panic", "die": return "raise an error with fail(\"message\"); try { } catch e { } catches it"
        case "function", "def", "func", "fun", "lambda", "sub", "proc":
            return "functions are declared with fn: fn name(a, b) { return a + b }, or fn(x) => x * 2"
        case "elif", "elsif", "elseif": return "write else if"
        case "switch", "match", "case", "when": return "there is no switch: use if ... else if ... else"
        case "const", "final", "val": return "an immutable binding is let; a mutable one is var"
        case "local", "my", "auto": return "declare variables with let (immutable) or var (mutable)"
        case "echo", "puts", "println", "printf", "console": return "print(values...) writes a line"
        case "do", "loop", "until", "foreach", "repeat": return "loops are for x in xs { } and while cond { }"
        case "import_module", "require", "include", "from", "use": return "import \"std/strings\" as strings (or \"./file.plat\")"
        default: return nil
        }
    }
}
