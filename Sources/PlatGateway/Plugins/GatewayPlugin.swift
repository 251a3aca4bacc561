import Foundation
import PlatLang

/// A gateway plugin: a .plat file with `name`, `version`, `priority`, `description`, `schema` (typed fields
/// with defaults and constraints), `doc` ({enable, test, remove}), and the functions it needs of
/// `check_schema(conf)`, `init(conf, ctx)`, `rewrite(conf, ctx)`, `access(conf, ctx)`, `log(conf, ctx)`.
/// Phase functions return nginx directives built with the quoting API (`NginxDirective`); `init` returns
/// directives for the `http` level (zones, log formats). Plugins run no effects: a plugin file that calls one
/// does not load.
public final class GatewayPlugin {
    public static let phases = ["rewrite", "access", "log"]

    /// One typed setting of the plugin's schema.
    public struct Field {
        public enum Kind: String { case string, int, bool, list }
        public let name: String
        public let kind: Kind
        public let defaultValue: Value?
        public let required: Bool
        public let min: Int?
        public let max: Int?
        public let oneOf: [String]
        public let pattern: String?
        public let doc: String
    }

    public let name: String
    public let version: String
    public let priority: Int
    public let description: String
    public let fields: [Field]
    /// enable, test, remove: how to use it, in the plugin's own words.
    public let doc: [String: String]
    /// `stdlib` or the path it was installed from.
    public let origin: String
    public let source: String
    let instance: ModuleInstance

    /// The phases it has functions for, in nginx's order.
    public var phases: [String] { GatewayPlugin.phases.filter { instance.hasFunction($0) } }
    public var hasInit: Bool { instance.hasFunction("init") }

    /// Loads a plugin from its source; any problem is bad input naming the file.
    public static func load(source: String, path: String, origin: String) throws -> GatewayPlugin {
        let file = SourceFile(path: path, text: source + PluginPrelude.source)
        let interpreter = Interpreter(effects: NoEffects(), effectSpecs: [], sources: OneFile(file))
        let instance: ModuleInstance
        do {
            instance = try interpreter.instantiate(try interpreter.load(path: path))
        } catch let list as DiagnosticList {
            throw GatewayError.invalidInput("plugin \(path) does not load: " + list.diagnostics.map { $0.rendered() }.joined(), hint: nil)
        } catch let d as Diagnostic {
            throw GatewayError.invalidInput("plugin \(path) does not load: \(d.rendered())", hint: nil)
        }
        func text(_ k: String) -> String? { if case .string(let s)? = instance.global(k) { return s }; return nil }
        guard let name = text("name"), (try? GatewayValidation.name(name, what: "plugin")) != nil else {
            throw GatewayError.invalidInput("plugin \(path) has no valid `let name = \"...\"`", hint: "letters, digits, '_', '-', '.'")
        }
        guard let version = text("version"), SemanticVersion.valid(version) != nil else {
            throw GatewayError.invalidInput("plugin \(name) (\(path)) has no SemVer `let version = \"1.0.0\"`", hint: nil)
        }
        guard case .int(let priority)? = instance.global("priority") else {
            throw GatewayError.invalidInput("plugin \(name) (\(path)) has no `let priority = N` (higher runs first within a phase)", hint: nil)
        }
        var fields: [Field] = []
        if case .map(let schema)? = instance.global("schema") {
            for (k, v) in schema.pairs {
                guard case .string(let fname) = k, case .map(let f) = v, case .string(let kindText)? = f.get(.string("type")),
                      let kind = Field.Kind(rawValue: kindText) else {
                    throw GatewayError.invalidInput("plugin \(name): schema field \(k.printed) needs a type: string, int, bool or list", hint: nil)
                }
                func int(_ key: String) -> Int? { if case .int(let i)? = f.get(.string(key)) { return i }; return nil }
                var oneOf: [String] = []
                if case .list(let xs)? = f.get(.string("one_of")) { oneOf = xs.map { if case .string(let s) = $0 { return s }; return $0.printed } }
                var pattern: String?
                if case .string(let p)? = f.get(.string("pattern")) { pattern = p }
                var doc = ""
                if case .string(let d)? = f.get(.string("doc")) { doc = d }
                var required = false
                if case .bool(let b)? = f.get(.string("required")) { required = b }
                let def = f.get(.string("default")).flatMap { $0.isNil ? nil : $0 }
                fields.append(Field(name: fname, kind: kind, defaultValue: def, required: required, min: int("min"), max: int("max"),
                                    oneOf: oneOf, pattern: pattern, doc: doc))
            }
        }
        var doc: [String: String] = [:]
        if case .map(let d)? = instance.global("doc") {
            for (k, v) in d.pairs { if case .string(let key) = k, case .string(let s) = v { doc[key] = s } }
        }
        return GatewayPlugin(name: name, version: version, priority: priority, description: text("description") ?? "", fields: fields,
                             doc: doc, origin: origin, source: source, instance: instance)
    }

    init(name: String, version: String, priority: Int, description: String, fields: [Field], doc: [String: String], origin: String,
         source: String, instance: ModuleInstance) {
        self.name = name
        self.version = version
        self.priority = priority
        self.description = description
        self.fields = fields
        self.doc = doc
        self.origin = origin
        self.source = source
        self.instance = instance
    }

    /// A resource's settings (text, as stored) as the typed conf map the functions get: defaults filled in,
    /// every field checked against its type and constraints, then `check_schema`. Errors name the resource
    /// and the field (`resource 'x': plugins.rate_limit.burst is 'many'`).
    public func configure(_ raw: [String: String], owner: String) throws -> Value {
        let known = fields.map(\.name)
        for k in raw.keys.sorted() where !known.contains(k) {
            throw GatewayError.field(owner, "plugins.\(name)", "has an unknown setting '\(k)'",
                                     hint: closestName(to: k, in: known).map { "did you mean '\($0)'?" } ?? "settings: " + known.joined(separator: ", "))
        }
        let conf = MapStorage()
        for f in fields {
            let path = "plugins.\(name).\(f.name)"
            let hint = f.doc.isEmpty ? nil : f.doc
            guard let text = raw[f.name] else {
                if f.required { throw GatewayError.field(owner, path, "is required", hint: hint) }
                conf.set(.string(f.name), f.defaultValue ?? .null)
                continue
            }
            let value: Value
            switch f.kind {
            case .string: value = .string(text)
            case .int:
                guard let i = Int(text) else { throw GatewayError.field(owner, path, "is '\(text)'", hint: "a whole number" + (hint.map { ": " + $0 } ?? "")) }
                if let lo = f.min, i < lo { throw GatewayError.field(owner, path, "is \(i), below \(lo)", hint: hint) }
                if let hi = f.max, i > hi { throw GatewayError.field(owner, path, "is \(i), above \(hi)", hint: hint) }
                value = .int(i)
            case .bool:
                guard text == "true" || text == "false" else { throw GatewayError.field(owner, path, "is '\(text)'", hint: "true or false") }
                value = .bool(text == "true")
            case .list:
                value = .list(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") })
            }
            let items: [String]
            if case .list(let xs) = value { items = xs.map { if case .string(let s) = $0 { return s }; return $0.printed } } else if case .string(let s) = value { items = [s] } else { items = [] }
            for item in items {
                if !f.oneOf.isEmpty && !f.oneOf.contains(item) {
                    throw GatewayError.field(owner, path, "is '\(item)'", hint: "one of: " + f.oneOf.joined(separator: ", "))
                }
                if let p = f.pattern, item.range(of: p, options: .regularExpression) == nil {
                    throw GatewayError.field(owner, path, "is '\(item)'", hint: hint ?? "it must match \(p)")
                }
            }
            conf.set(.string(f.name), value)
        }
        if instance.hasFunction("check_schema") {
            let problem = try run("check_schema", [.map(conf)], owner: owner)
            switch problem {
            case .null: break
            case .string(let s) where s.isEmpty: break
            case .string(let s): throw GatewayError.field(owner, "plugins.\(name)", s)
            case .list(let xs) where xs.isEmpty: break
            case .list(let xs): throw GatewayError.field(owner, "plugins.\(name)", xs.map { if case .string(let s) = $0 { return s }; return $0.printed }.joined(separator: "; "))
            default: throw GatewayError.invalidInput("plugin \(name): check_schema returned \(problem.typeName)", hint: "return nil when the conf is fine, else the problem as text")
            }
        }
        return .map(conf)
    }

    /// The directives of `function` (`init` or a phase) for one resource, as nginx lines (Lua blocks it gives
    /// are checked and dropped: `output` keeps them).
    func directives(_ function: String, conf: Value, ctx: Value, owner: String, indent: String) throws -> [String] {
        try output(function, conf: conf, ctx: ctx, owner: owner, indent: indent).lines
    }

    /// What `function` returns for one resource: nginx lines, and the Lua blocks (`lua(PHASE, CODE)`) it gives
    /// in the order given. `init` gives http-level directives only.
    func output(_ function: String, conf: Value, ctx: Value, owner: String, indent: String) throws -> (lines: [String], lua: [LuaChunk]) {
        guard instance.hasFunction(function) else { return ([], []) }
        let result = try run(function, [conf, ctx], owner: owner)
        let items: [Value]
        switch result {
        case .null: return ([], [])
        case .list(let xs): items = xs
        case .map: items = [result]
        default: throw GatewayError.invalidInput("plugin \(name): \(function) returned \(result.typeName)", hint: "return a list of directive(...) values")
        }
        var lines: [String] = [], lua: [LuaChunk] = []
        for item in items {
            if let chunk = try LuaChunk.from(item, plugin: name) {
                guard function != "init" else {
                    throw GatewayError.invalidInput("plugin \(name): init returned a Lua block", hint: "return lua(PHASE, CODE) from rewrite, access or log")
                }
                lua.append(chunk)
            } else {
                lines += try NginxDirective.render(item, indent: indent, plugin: name)
            }
        }
        return (lines, lua)
    }

    /// One call at a time: a plugin's interpreter state is not shared between threads (the stdlib catalogue
    /// is one per process, and tests render in parallel).
    let lock = NSLock()

    func run(_ function: String, _ args: [Value], owner: String) throws -> Value {
        lock.lock()
        defer { lock.unlock() }
        do { return try instance.call(function, args) } catch let d as Diagnostic {
            throw GatewayError.invalidInput("plugin \(name) failed in \(function) for \(owner): \(d.message)", hint: d.hint)
        } catch let e as RuntimeError {
            throw GatewayError.invalidInput("plugin \(name) failed in \(function) for \(owner): \(e.message)", hint: e.hint)
        }
    }
}

/// Plugins run no effects: their files are loaded without any effect names, and this refuses anything else.
final class NoEffects: EffectHandler {
    func perform(_ call: EffectCall) throws -> Value { throw RuntimeError("a gateway plugin runs no effects (\(call.name))") }
    func stepStarted(_ step: StepEvent) throws { throw RuntimeError("a gateway plugin has no steps") }
    func stepFinished(_ step: StepEvent, outcome: StepOutcome) {}
    func write(_ text: String) {}
}

/// A source provider with one file in memory (a plugin's text) and no imports.
final class OneFile: SourceProvider {
    let file: SourceFile
    init(_ file: SourceFile) { self.file = file }
    func read(path: String) throws -> SourceFile {
        guard path == file.path else { throw RuntimeError("a gateway plugin imports nothing (\(path))") }
        return file
    }
}
