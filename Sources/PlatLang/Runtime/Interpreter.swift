import Foundation

/// The language's front door: load (parse + resolve) a file with its imports, then run its top level and a
/// plan. Hosts (the CLI, the durable engine, tests) give it an `EffectHandler`.
public final class Interpreter {
    /// Calls nest at most this deep; deeper is a runtime error, never a crash.
    public static let maxCallDepth = 10_000
    /// The interpreter thread's stack: enough for `maxCallDepth` nested .plat calls with room to spare.
    public static let threadStackSize = 1 << 30

    public let effects: EffectHandler
    private let effectSpecs: [EffectSpec]
    private let declarations: [DeclarationSpec]
    private let sources: SourceProvider
    /// Made at the first `load` or `check`: an interpreter that only runs a module another one compiled (as a
    /// durable run does with the module its creation compiled) never builds the builtins (0.26 M instructions).
    private lazy var loader = Interpreter.loader(effectSpecs: effectSpecs, declarations: declarations, sources: sources)
    /// When set, raising it stops the running program at its next loop iteration or call (`ProgramStopped`).
    public var stopRequest: StopRequest?

    /// `declarations` are the declaration forms files may contain (`schedule`, `scheme`...); the language
    /// itself has none.
    public init(effects: EffectHandler, effectSpecs: [EffectSpec] = EffectSpec.core,
                declarations: [DeclarationSpec] = [], sources: SourceProvider = DiskSources()) {
        self.effects = effects
        self.effectSpecs = effectSpecs
        self.declarations = declarations
        self.sources = sources
    }

    /// The loader of files with the language's builtins and one builtin for each effect.
    private static func loader(effectSpecs: [EffectSpec], declarations: [DeclarationSpec],
                               sources: SourceProvider) -> ModuleLoader {
        var builtins = Builtins.globals
        var namespaces: [String: [String: Value]] = [:]
        for spec in effectSpecs {
            // `cmdb.hosts` becomes the member `hosts` of a module value `cmdb`. (The dot is looked for among
            // the name's bytes: a search by Character costs each of the hundred names a grapheme walk.)
            if let dot = spec.name.utf8.firstIndex(of: UInt8(ascii: ".")) {
                let ns = String(spec.name[..<dot]), member = String(spec.name[spec.name.index(after: dot)...])
                namespaces[ns, default: [:]][member] = .builtin(Interpreter.effectBuiltin(spec))
            } else {
                builtins[spec.name] = .builtin(Interpreter.effectBuiltin(spec))
            }
        }
        for (ns, members) in namespaces { builtins[ns] = .module(ModuleObject(name: ns, members: members)) }
        // Rendering a template file reads it through the host's `read_file` effect, so it exists where that does.
        if builtins["read_file"] != nil { builtins["render_template"] = TemplateBuiltins.renderFile }
        return ModuleLoader(builtins: builtins, effectSpecs: effectSpecs, declarations: declarations, sources: sources)
    }

    /// Parses and resolves `path` and its imports. Throws every diagnostic found (a DiagnosticList).
    public func load(path: String) throws -> CompiledModule {
        let (module, diagnostics) = loader.loadRoot(path: path)
        if !diagnostics.isEmpty || module == nil { throw DiagnosticList(diagnostics) }
        return module!
    }

    /// All diagnostics of a file and its imports, without running anything (`platflow check`).
    public func check(path: String) -> [Diagnostic] {
        loader.loadRoot(path: path).1
    }

    /// Which plan `run` would start: the named one, else `main`, else the only plan; nil when the file has no
    /// plans (its top level is the program). Throws a UsageError naming the plans otherwise.
    public func selectPlan(in module: CompiledModule, named name: String?) throws -> PlanInfo? {
        let plans = module.plans
        // Only an error shows the list (and joining strings is costly on its first use in a process).
        var listing: String {
            plans.map { "  \($0.name)(\($0.params.map { "\($0.name): \($0.type.rawValue)" }.joined(separator: ", ")))" }
                .joined(separator: "\n")
        }
        if let name {
            if let p = plans.first(where: { $0.name == name }) { return p }
            if plans.isEmpty {
                throw UsageError("\(module.file.path) declares no plans, so there is no plan '\(name)' to run",
                                 hint: "run the file without a plan name to run its top level")
            }
            let hint = closestName(to: name, in: plans.map(\.name)).map { "did you mean '\($0)'?" }
            throw UsageError("no plan '\(name)' in \(module.file.path); its plans are:\n\(listing)", hint: hint)
        }
        if plans.isEmpty { return nil }
        if let main = plans.first(where: { $0.name == "main" }) { return main }
        if plans.count == 1 { return plans[0] }
        throw UsageError("\(module.file.path) has several plans and none is called main; name one:\n\(listing)",
                         hint: "platflow run \(module.file.path) \(plans[0].name)")
    }

    /// Converts `--param` strings to the plan's declared types, or throws the UsageError `run` would.
    public func validateParameters(_ raw: [String: String], for plan: PlanInfo) throws -> [(name: String, value: Value)] {
        try PlanParameters.convert(raw, for: plan)
    }

    /// Runs the file's top level, then the plan (if any) with `params` converted to its declared types.
    /// Parameter problems throw UsageError before anything runs; runtime errors throw Diagnostic.
    public func run(_ module: CompiledModule, plan: PlanInfo?, params: [String: String]) throws -> Value {
        var named: [(name: String, value: Value)] = []
        if let plan {
            named = try PlanParameters.convert(params, for: plan)
        } else if let k = params.keys.sorted().first {
            throw UsageError("parameter '\(k)' given, but \(module.file.path) has no plan to take it",
                             hint: "declare `plan main(\(k): string) { ... }`")
        }
        return try Interpreter.onLargeStack {
            let vm = VM(effects: self.effects)
            vm.stop = self.stopRequest
            // The program's globals are let go here, on the large stack: freeing a value nested 100,000 deep
            // recurses once per level, which the caller's stack would not survive. (A next run evaluates the
            // top level again, which sets every global anew.)
            defer { Interpreter.releaseGlobals(of: module) }
            try vm.runTopLevel(module)
            guard let plan else { return .null }
            guard case .closure(let c) = module.globals[plan.globalSlot] else { return .null }
            vm.steps.reset(root: plan.name)
            return try vm.call(c, positional: [], named: named, newBase: vm.frameTop, at: plan.loc)
        }
    }

    /// Empties the globals of `module` and of the files it imports.
    static func releaseGlobals(of module: CompiledModule) {
        // A list of the modules seen, not a Set: see CompiledModule.allFiles.
        var seen: [CompiledModule] = []
        var pending = [module]
        while let m = pending.popLast() {
            guard !seen.contains(where: { $0 === m }) else { continue }
            seen.append(m)
            m.globals.releaseAll()
            pending += m.imports
        }
    }

    /// Runs `body` on a thread with a large stack, so deep (but legal) recursion cannot overflow the
    /// process's main stack, and returns its result or rethrows its error.
    public static func onLargeStack<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result { try body() }
            done.signal()
        }
        thread.stackSize = threadStackSize
        thread.start()
        done.wait()
        return try box.result!.get()
    }

    /// An effect builtin: binds its arguments by the spec's parameter names and hands the call to the host.
    static func effectBuiltin(_ spec: EffectSpec) -> BuiltinFunction {
        BuiltinFunction(spec.name) { args, ctx in
            guard let vm = ctx as? VM else { throw RuntimeError("\(spec.name)() can only run inside a program") }
            return try vm.performEffect(spec.name, named: try spec.bindArguments(args), at: .unknown)
        }
    }
}

/// Bad input before anything ran (exit code 2): wrong plan, wrong or missing parameters.
public struct UsageError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String { "error: \(message)\n" + (hint.map { "hint: \($0)\n" } ?? "") }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
