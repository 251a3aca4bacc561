import PlatLang

/// An effect's arguments by name (bound to its `EffectSpec` when the plan called it), read through typed
/// getters built on the language's own argument checks: a value of the wrong type is refused the way a builtin
/// refuses it — `sh() expects a map for 'env', got list` — so no effect writes its own `guard case` chain.
/// `get` returns nil for an argument not given; `require` says it is missing, as a builtin does.
///
/// Checks of range or meaning (a positive timeout, a known policy) stay with the effect: they are its own.
public struct EffectArguments {
    /// The effect's name as called (`sh`, `cmdb.hosts`), for messages.
    public let function: String
    public let named: [(name: String, value: Value)]

    public init(function: String, named: [(name: String, value: Value)]) {
        self.function = function
        self.named = named
    }

    /// The value given for `name`, untyped.
    public func value(_ name: String) -> Value? { named.first { $0.name == name }?.value }

    /// The argument as `type`; nil when it was not given. `hint` goes with a refusal.
    public func get<T>(_ name: String, _ type: ArgumentType<T>, hint: String? = nil) throws -> T? {
        guard let v = value(name) else { return nil }
        do {
            return try type.convert(v, function, name)
        } catch var e as RuntimeError {
            if let hint { e.hint = hint }
            throw e
        }
    }

    /// The argument as `type`; an error when it was not given.
    public func require<T>(_ name: String, _ type: ArgumentType<T>, hint: String? = nil) throws -> T {
        guard let v = try get(name, type, hint: hint) else {
            throw RuntimeError("\(function)() is missing the argument '\(name)'", hint: hint)
        }
        return v
    }

    /// The same arguments, those given as nil left out: for effects where `nil` means "not given"
    /// (`cmdb.hosts(where: nil)`).
    public var nilAsAbsent: EffectArguments {
        EffectArguments(function: function, named: named.filter { !$0.value.isNil })
    }
}

/// How an effect argument becomes a Swift value, with the language's message when it cannot.
public struct ArgumentType<T> {
    let convert: (_ value: Value, _ function: String, _ name: String) throws -> T

    public init(_ convert: @escaping (_ value: Value, _ function: String, _ name: String) throws -> T) {
        self.convert = convert
    }
}

extension ArgumentType where T == String {
    public static var string: ArgumentType { ArgumentType { v, f, n in try v.expectString(f, n) } }
}

extension ArgumentType where T == Int {
    public static var int: ArgumentType { ArgumentType { v, f, n in try v.expectInt(f, n) } }
}

extension ArgumentType where T == Bool {
    public static var bool: ArgumentType { ArgumentType { v, f, n in try v.expectBool(f, n) } }
}

extension ArgumentType where T == [Value] {
    public static var list: ArgumentType { ArgumentType { v, f, n in try v.expectList(f, n) } }
}

extension ArgumentType where T == MapStorage {
    public static var map: ArgumentType { ArgumentType { v, f, n in try v.expectMap(f, n) } }
}

extension ArgumentType where T == Int64 {
    /// A duration, in milliseconds.
    public static var duration: ArgumentType {
        ArgumentType { v, f, n in
            if case .duration(let ms) = v { return ms }
            throw v.expected("a duration", f, n)
        }
    }
}

extension ArgumentType where T == [String] {
    /// A list of strings.
    public static var strings: ArgumentType {
        ArgumentType { v, f, n in
            try v.expectList(f, n).enumerated().map { i, x in
                if case .string(let s) = x { return s }
                throw RuntimeError("\(f)() expects a list of strings for '\(n)', got \(x.typeName) at index \(i)")
            }
        }
    }
}

extension ArgumentType where T == [String: String] {
    /// Environment variables: a map with string keys; a value is passed as its text (a secret as its secret).
    public static var environment: ArgumentType {
        ArgumentType { v, f, n in
            var env: [String: String] = [:]
            for (k, value) in try v.expectMap(f, n).pairs {
                guard case .string(let name) = k else {
                    throw RuntimeError("\(f)() expects string keys in '\(n)', got \(k.typeName)")
                }
                switch value {
                case .string(let s): env[name] = s
                case .secret(let s): env[name] = s.text
                default: env[name] = value.printed
                }
            }
            return env
        }
    }
}

extension EffectContext {
    /// The call's arguments, read through typed getters.
    public var args: EffectArguments { EffectArguments(function: call.name, named: call.args.named) }
}
