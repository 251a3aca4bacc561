/// The one argument unpacker every builtin uses: positional and named arguments are matched to a parameter
/// list, and typed getters turn a value into the Swift type the builtin wants, with errors that name the
/// function, the parameter and what was given.
extension Arguments {
    /// Matches the arguments to `params` (positional first, then by name). The first `required` parameters
    /// must be given; the others are nil when absent. Errors: "len() takes 1 argument (2 given)",
    /// "sorted() got an unknown named argument 'revers'; did you mean 'reverse'?".
    public func bind(_ fname: String, _ params: [String], required: Int) throws -> [Value?] {
        if named.isEmpty && positional.count >= required && positional.count <= params.count {
            // The common case: no names to match, so no searching.
            var out = [Value?]()
            out.reserveCapacity(params.count)
            for v in positional { out.append(v) }
            while out.count < params.count { out.append(nil) }
            return out
        }
        guard positional.count <= params.count else {
            throw countError(fname, params.count, required: required, given: positional.count)
        }
        var out = [Value?](repeating: nil, count: params.count)
        for i in 0..<positional.count { out[i] = positional[i] }
        for (name, value) in named {
            guard let i = params.firstIndex(of: name) else { throw unknownNamed(fname, name, params) }
            if out[i] != nil { throw RuntimeError("\(fname)() got two values for argument '\(name)'") }
            out[i] = value
        }
        if named.isEmpty {
            throw countError(fname, params.count, required: required, given: positional.count)
        }
        for i in 0..<required where out[i] == nil {
            throw RuntimeError("\(fname)() is missing the argument '\(params[i])'",
                               hint: "\(fname)(\(params.prefix(required).joined(separator: ", ")))")
        }
        return out
    }

    /// The single required argument of a one-parameter builtin, without allocating in the common case.
    public func one(_ fname: String, _ param: String) throws -> Value {
        if positional.count == 1 && named.isEmpty { return positional[0] }
        return try bind(fname, [param], required: 1)[0] ?? .null
    }

    /// The two required arguments of a two-parameter builtin, without allocating in the common case.
    public func two(_ fname: String, _ p1: String, _ p2: String) throws -> (Value, Value) {
        if positional.count == 2 && named.isEmpty { return (positional[0], positional[1]) }
        let b = try bind(fname, [p1, p2], required: 2)
        return (b[0] ?? .null, b[1] ?? .null)
    }

    /// Checks that the call has no arguments at all.
    public func none(_ fname: String) throws {
        if !positional.isEmpty || !named.isEmpty {
            _ = try bind(fname, [], required: 0)
        }
    }

    /// For variadic builtins (`print`, `min`, `zip`...): any number of positional arguments, plus the named
    /// ones listed in `allowed`, returned in that order (nil when absent).
    public func namedOnly(_ fname: String, allowed: [String]) throws -> [Value?] {
        var out = [Value?](repeating: nil, count: allowed.count)
        for (name, value) in named {
            guard let i = allowed.firstIndex(of: name) else { throw unknownNamed(fname, name, allowed) }
            if out[i] != nil { throw RuntimeError("\(fname)() got two values for argument '\(name)'") }
            out[i] = value
        }
        return out
    }

    private func countError(_ fname: String, _ max: Int, required: Int, given: Int) -> RuntimeError {
        let takes: String
        if max == 0 {
            takes = "takes no arguments"
        } else if required == max {
            takes = "takes \(max) argument\(max == 1 ? "" : "s")"
        } else if required == 0 {
            takes = "takes at most \(max) argument\(max == 1 ? "" : "s")"
        } else {
            takes = "takes \(required) to \(max) arguments"
        }
        return RuntimeError("\(fname)() \(takes) (\(given) given)")
    }

    private func unknownNamed(_ fname: String, _ name: String, _ params: [String]) -> RuntimeError {
        var message = "\(fname)() got an unknown named argument '\(name)'"
        if let near = closestName(to: name, in: params) { message += "; did you mean '\(near)'?" }
        let hint = params.isEmpty ? "\(fname)() takes no named arguments"
            : "its parameters are: \(params.joined(separator: ", "))"
        return RuntimeError(message, hint: hint)
    }
}

/// Typed getters for builtin arguments: "split() expects a string for 'sep', got int".
extension Value {
    public func expectString(_ fname: String, _ param: String) throws -> String {
        if case .string(let s) = self { return s }
        throw expected("a string", fname, param)
    }

    public func expectInt(_ fname: String, _ param: String) throws -> Int {
        if case .int(let i) = self { return i }
        throw expected("an int", fname, param)
    }

    public func expectBool(_ fname: String, _ param: String) throws -> Bool {
        if case .bool(let b) = self { return b }
        throw expected("a bool", fname, param)
    }

    public func expectList(_ fname: String, _ param: String) throws -> [Value] {
        if case .list(let xs) = self { return xs }
        // A map or a string where Python would take any iterable: name the list that was probably meant.
        let hint: String?
        switch self {
        case .map: hint = "keys(m), values(m) or m.items() make a list of a map's keys, values or entries"
        case .string: hint = "s.chars() makes a list of a string's characters"
        default: hint = nil
        }
        throw expected("a list", fname, param, hint: hint)
    }

    public func expectMap(_ fname: String, _ param: String) throws -> MapStorage {
        if case .map(let m) = self { return m }
        throw expected("a map", fname, param)
    }

    /// An int or a float, as a Double.
    public func expectNumber(_ fname: String, _ param: String) throws -> Double {
        if let d = asDouble { return d }
        throw expected("a number", fname, param)
    }

    /// A closure or builtin; returns the value itself, ready for `CallContext.call`.
    public func expectFunction(_ fname: String, _ param: String) throws -> Value {
        switch self {
        case .closure, .builtin: return self
        default: throw expected("a function", fname, param)
        }
    }

    /// The standard type error of a builtin argument.
    public func expected(_ what: String, _ fname: String, _ param: String, hint: String? = nil) -> RuntimeError {
        RuntimeError("\(fname)() expects \(what) for '\(param)', got \(typeName)", hint: hint)
    }
}
