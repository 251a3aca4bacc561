/// The arguments of a call as the caller wrote them: positional values, then named ones in source order.
public struct Arguments {
    public var positional: [Value]
    public var named: [(name: String, value: Value)]
    public init(positional: [Value] = [], named: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.named = named
    }
}

/// What a builtin may ask of the interpreter that called it.
public protocol CallContext: AnyObject {
    /// Calls a .plat function value (closure or builtin) with positional arguments; used by `map`,
    /// `filter`, `sorted(key:)` and friends.
    func call(_ function: Value, _ args: [Value]) throws -> Value
    /// The same with one argument (`map`, `filter`, sort keys: once per item), which needs no array.
    func call(_ function: Value, with argument: Value) throws -> Value
    /// The program's own output (`print`); the host decides where it goes (and a replay may suppress it).
    func write(_ text: String)
}

/// A function implemented in Swift. Every builtin has this one signature and unpacks its arguments with
/// `Arguments.bind` (see Builtins/ArgumentBinding.swift), so each builtin is a few lines.
public final class BuiltinFunction {
    public let name: String
    public let body: (inout Arguments, CallContext) throws -> Value
    public init(_ name: String, _ body: @escaping (inout Arguments, CallContext) throws -> Value) {
        self.name = name
        self.body = body
    }
}

extension CallContext {
    public func call(_ function: Value, with argument: Value) throws -> Value {
        try call(function, [argument])
    }
}
