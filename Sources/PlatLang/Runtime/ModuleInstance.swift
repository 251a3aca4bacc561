/// A file whose top level has run once, so a host can read its globals and call its functions: how the
/// gateway runs a plugin file (`let priority = 1000`, `fn access(conf, ctx) { ... }`). Effects the file calls
/// go to the interpreter's handler; runtime errors are thrown as diagnostics with their places.
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
        return module.globals.values[i]
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
}

extension Interpreter {
    /// Runs `module`'s top level and returns it ready for calls.
    public func instantiate(_ module: CompiledModule) throws -> ModuleInstance {
        let vm = VM(effects: effects)
        try Interpreter.onLargeStack { try vm.runTopLevel(module) }
        return ModuleInstance(module: module, vm: vm)
    }
}
