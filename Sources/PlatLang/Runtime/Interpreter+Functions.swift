/// Calling a file's top-level function from the host with values (not `--param` text): a chart's `render`
/// receives its values as a map, so hosts that treat a .plat file as a function library need more than plans.
extension Interpreter {
    /// Runs the module's top level (once per call), then calls its top-level function `name` with the named
    /// arguments the function declares among `arguments` (others are left out, so a function may take only
    /// the ones it needs). Returns nil without running anything when the file has no top-level name `name`.
    /// Runtime errors throw the Diagnostic `run` would (with its traceback); a name that holds no function
    /// throws a Diagnostic at the name's declaration. Parameter types are checked as for any call.
    public func call(function name: String, in module: CompiledModule,
                     arguments: [(name: String, value: Value)]) throws -> Value? {
        guard let slot = module.globals.names.firstIndex(of: name) else { return nil }
        let declared = module.globalIndex[name]?.loc
        return try Interpreter.onLargeStack {
            let vm = VM(effects: self.effects)
            try vm.runTopLevel(module)
            guard case .closure(let c) = module.globals.values[slot] else {
                throw Diagnostic(message: "'\(name)' in \(module.file.path) is \(module.globals.values[slot].typeName), not a function",
                                 location: declared, hint: "declare it with `fn \(name)(...) { ... }`", phase: .runtime)
            }
            let wanted = c.code.params.map(\.name)
            let named = arguments.filter { wanted.contains($0.name) }
            return try vm.call(c, positional: [], named: named, newBase: vm.frameTop, at: c.code.loc)
        }
    }

    /// The parameters of the file's top-level function `name` as declared (`fn render(values, release)`), and
    /// where it is declared; nil when the file declares no such function. Reads the resolved code, runs nothing.
    public func functionParameters(_ name: String, in module: CompiledModule) -> (names: [String], location: SourceLoc)? {
        guard let decl = module.globalIndex[name]?.function else { return nil }
        return (decl.params.map(\.name), decl.loc)
    }
}
