import PlatLang

/// The small quoting API plugins build nginx directives with. A phase function returns a list of directives,
/// each made by the helpers every plugin file gets (`PluginPrelude`):
///
/// ```
/// directive("limit_req", ["zone=" + ctx.zone, "burst=5", "nodelay"])       // limit_req zone=... burst=5 nodelay;
/// directive("add_header", ["X-Request-Id", variable("request_id"), "always"])
/// directive("log_format", [ctx.zone, concat(["{\"id\":\"", variable("request_id"), "\"}"])])
/// when(variable("request_method"), "=", "OPTIONS", [directive("return", [204])])   // if (...) { return 204; }
/// ```
///
/// Text arguments are written bare when they are plain tokens and in double quotes (with `"` and `\` escaped)
/// otherwise, so `;`, `{`, `}`, `#` and spaces in them stay text. A `$` in text is refused (nginx would expand
/// it and it cannot be escaped): variables are written with `variable(NAME)`. Control characters are refused.
/// `include` and `load_module` are refused: a plugin configures its location, it does not pull in files.
enum NginxDirective {
    static let refused: Set<String> = ["include", "load_module", "lua_package_path", "perl_modules", "perl_require"]
    static let operators = ["=", "!=", "~", "~*", "!~", "!~*"]

    /// One directive value as nginx text lines, indented by `indent`.
    static func render(_ v: Value, indent: String, plugin: String) throws -> [String] {
        func fail(_ why: String) -> GatewayError {
            .invalidInput("plugin \(plugin): a directive \(why)", hint: "build directives with directive(NAME, [ARGS]), variable(NAME), concat([...]) and when(...)")
        }
        guard case .map(let m) = v else { throw fail("is \(v.typeName), not a directive() map") }
        if let cond = m.get(.string("when")) {
            guard case .list(let c) = cond, c.count == 3, case .string(let op) = c[1], operators.contains(op) else {
                throw fail("when(...) needs LEFT, an operator (\(operators.joined(separator: " "))) and RIGHT")
            }
            guard case .map(let lm) = c[0], case .string(let name)? = lm.get(.string("variable")) else { throw fail("when(...) must test a variable()") }
            try checkVariable(name, fail)
            guard case .list(let body)? = m.get(.string("then")) else { throw fail("when(...) needs a list of directives") }
            var out = ["\(indent)if ($\(name) \(op) \(try argument(c[2], fail))) {"]
            for d in body { out += try render(d, indent: indent + "    ", plugin: plugin) }
            return out + ["\(indent)}"]
        }
        guard case .string(let name)? = m.get(.string("directive")) else { throw fail("has no name") }
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
            throw fail("name '\(name)' is not a directive name (a-z, 0-9, _)")
        }
        guard !refused.contains(name) else { throw fail("'\(name)' is not allowed in a plugin") }
        var args: [String] = []
        if case .list(let xs)? = m.get(.string("args")) { args = try xs.map { try argument($0, fail) } }
        return ["\(indent)\(([name] + args).joined(separator: " "));"]
    }

    static func checkVariable(_ name: String, _ fail: (String) -> GatewayError) throws {
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
            throw fail("names a variable that is not a name: '\(name)'")
        }
    }

    static func argument(_ v: Value, _ fail: (String) -> GatewayError) throws -> String {
        switch v {
        case .int(let i): return String(i)
        case .string(let s): return try quoted(s, fail)
        case .map(let m):
            if case .string(let name)? = m.get(.string("variable")) {
                try checkVariable(name, fail)
                return "$\(name)"
            }
            if case .list(let parts)? = m.get(.string("concat")) {
                var out = "\""
                for p in parts {
                    switch p {
                    case .string(let s): out += try escaped(s, fail)
                    case .int(let i): out += String(i)
                    case .map(let pm):
                        guard case .string(let name)? = pm.get(.string("variable")) else { throw fail("concat() holds a map that is not a variable()") }
                        try checkVariable(name, fail)
                        out += "${\(name)}"
                    default: throw fail("concat() holds \(p.typeName)")
                    }
                }
                return out + "\""
            }
            throw fail("argument is a map that is neither variable() nor concat()")
        default:
            throw fail("argument is \(v.typeName); give text, a whole number, variable() or concat()")
        }
    }

    /// Plain tokens bare, anything else in double quotes.
    static func quoted(_ s: String, _ fail: (String) -> GatewayError) throws -> String {
        let plain = !s.isEmpty && s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 46 || c == 47 || c == 58 || c == 61 || c == 45 || c == 44 || c == 43 || c == 42 || c == 64
        }
        return plain ? s : "\"" + (try escaped(s, fail)) + "\""
    }

    static func escaped(_ s: String, _ fail: (String) -> GatewayError) throws -> String {
        var out = ""
        for c in s.unicodeScalars {
            if c == "$" { throw fail("argument holds '$' in text ('\(s)'); write variables with variable(NAME)") }
            if c.value < 32 || c.value == 127 { throw fail("argument holds a control character") }
            if c == "\"" || c == "\\" { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out
    }
}

/// The helpers appended to every plugin file: the quoting API's constructors, `lua(PHASE, CODE)` for a Lua
/// block (`LuaChunk`), and `lua_string(TEXT)`, TEXT as a Lua string literal (for settings put into Lua code).
enum PluginPrelude {
    static let source = #"""

        fn directive(name, args = []) { return {directive: name, args: args} }
        fn variable(name) { return {variable: name} }
        fn concat(parts) { return {concat: parts} }
        fn when(left, op, right, then) { return {when: [left, op, right], then: then} }
        fn lua(phase, code) { return {lua: phase, code: code} }
        fn lua_string(text) { return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"" }

        """#
}
