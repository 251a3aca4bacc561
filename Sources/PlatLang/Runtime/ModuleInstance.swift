/// A file whose top level has run once, so a host can read its globals and call its functions: how the
/// gateway runs a plugin file (`let priority = 1000`, `fn access(conf, ctx) { ... }`) and how a chart's
/// `render(values, release, chart)` is called. Effects the file calls go to the interpreter's handler;
/// runtime errors are thrown as diagnostics with their places and tracebacks.
public final class ModuleInstance {
    public let module: CompiledModule
    let vm: VM

    init(module: CompiledModule, vm: VM) {
        self.module = module
        self.vm = vm
    }

    /// The value of a top-level name of the file, or nil when it has none.
    public func global(_ name: String) -> Value? {
        guard let i = module.globals.names.lastIndex(of: name) else { return nil }
        return module.globals[i]
    }

    /// Whether the file defines a function `name`.
    public func hasFunction(_ name: String) -> Bool {
        if case .closure? = global(name) { return true }
        return false
    }

    /// Calls the file's function `name` with `arguments` (by position).
    public func call(_ name: String, _ arguments: [Value]) throws -> Value {
        guard let f = global(name) else { throw RuntimeError("\(module.file.path) defines no function \(name)") }
        let vm = self.vm
        return try Interpreter.onLargeStack { try vm.call(f, arguments) }
    }

    /// Calls the file's function `name` with those of the named `arguments` it declares as parameters (others
    /// are left out, so a function may take only the ones it needs: a chart's `render(values)`). Defaults and
    /// parameter types are checked as for any call; a name that holds no function throws a Diagnostic at the
    /// name's declaration.
    public func call(_ name: String, named arguments: [(name: String, value: Value)]) throws -> Value {
        guard let value = global(name) else { throw RuntimeError("\(module.file.path) defines no function \(name)") }
        guard case .closure(let c) = value else {
            throw Diagnostic(message: "'\(name)' in \(module.file.path) is \(value.typeName), not a function",
                             location: module.globalIndex[name]?.loc,
                             hint: "declare it with `fn \(name)(...) { ... }`", phase: .runtime)
        }
        let wanted = c.code.params.map(\.name)
        let named = arguments.filter { wanted.contains($0.name) }
        let vm = self.vm
        return try Interpreter.onLargeStack {
            try vm.call(c, positional: [], named: named, newBase: vm.frameTop, at: c.code.loc)
        }
    }
}

extension Interpreter {
    /// Runs `module`'s top level and returns it ready for calls.
    public func instantiate(_ module: CompiledModule) throws -> ModuleInstance {
        let vm = VM(effects: effects)
        try Interpreter.onLargeStack { try vm.runTopLevel(module) }
        return ModuleInstance(module: module, vm: vm)
    }

    /// The parameters of the file's top-level function `name` as declared (`fn render(values, release)`), and
    /// where it is declared; nil when the file declares no such function. Reads the resolved code, runs nothing,
    /// so a host can check a file's signature when it loads it, before any call.
    public func functionParameters(_ name: String, in module: CompiledModule) -> (names: [String], location: SourceLoc)? {
        guard let decl = module.globalIndex[name]?.function else { return nil }
        return (decl.params.map(\.name), decl.loc)
    }
}
