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
        case "list", "tuple", "array", "Array": return "there is no list(): [a, b] is a list; keys(m), values(m), m.items(), s.chars() and range(n) make lists"
        case "dict", "Map", "object", "Object": return "a map is written {key: value}; there is no dict()"
        case "set", "Set", "frozenset": return "there are no sets: use a map's keys ({a: true}) or a list and `in`"
        case "format", "sprintf": return "build text with interpolation, \"\\(x) items\", and round(x, 2) for decimals"
        case "isinstance", "typeof", "instanceof": return "type(x) gives the type's name: type(x) == \"int\""
        case "parseInt", "Number": return "int(text) and float(text) convert"
        case "String", "toString": return "str(x) gives the printed text"
        case "length": return "the length is len(x)"
        case "self", "this": return "there are no classes: pass values to functions, or keep functions in a map"
        case "exit", "quit", "sys": return "fail(\"message\") stops with an error; a plan ends when its body ends"
        default: return nil
        }
    }
}
