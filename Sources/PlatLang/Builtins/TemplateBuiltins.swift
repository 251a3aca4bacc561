/// `template(text, vars = {}, name = "<template>")` and `render_template(path, vars = {})`: see `Template`.
enum TemplateBuiltins {
    static let pure: [(String, Builtins.Body)] = [
        ("template", { args, ctx in
            let a = try args.bind("template", ["text", "vars", "name"], required: 1)
            let text = try a[0]!.expectString("template", "text")
            let vars = try a[1].map { try $0.expectMap("template", "vars") } ?? MapStorage()
            let name = try a[2].map { try $0.expectString("template", "name") } ?? "<template>"
            return .string(try Template.render(text, name: name, vars: vars, caller: ctx))
        }),
    ]

    /// Reads the file with the host's `read_file` effect (journaled like any read of a controller file: a resumed
    /// run renders the text the first attempt read), then renders it; errors point at PATH:LINE:COL.
    static let renderFile = Value.builtin(BuiltinFunction("render_template") { args, ctx in
        let a = try args.bind("render_template", ["path", "vars"], required: 1)
        let path = try a[0]!.expectString("render_template", "path")
        let vars = try a[1].map { try $0.expectMap("render_template", "vars") } ?? MapStorage()
        guard let vm = ctx as? VM else { throw RuntimeError("render_template() can only run inside a program") }
        let text = try vm.performEffect("read_file", named: [("path", .string(path))], at: .unknown)
        guard case .string(let source) = text else {
            throw RuntimeError("render_template(): read_file(\(Value.string(path).repr)) gave \(text.typeName), not text")
        }
        return .string(try Template.render(source, name: path, vars: vars, caller: ctx))
    })
}
