import Foundation

/// Text templates rendered with the language's own interpolation: `listen \(port);` in a config file, with the
/// names a template may use given as a map (`template(text, {port: 443})`). The text is kept exactly as written
/// (backslashes too, see `Lexer.lexTemplate`); each `\( expression )` is parsed, resolved and evaluated as .plat,
/// so the whole language is there: `\(join(hosts, "\n"))`, `\(if tls then "ssl on;" else "")`.
///
/// Templates are pure: they see their variables and the pure builtins, never `print` or an effect (the
/// template is compiled without them), and a function passed in the variables that tries an effect while the
/// template renders is stopped (`PureEffects`). So rendering the same template with the same values always
/// gives the same text, and a resumed run renders what the first attempt rendered.
///
/// Every error points into the template: `nginx.conf.tmpl:3:12: undefined name 'portt'`, with the template's
/// line under it, thrown as a runtime Diagnostic so `try`/`catch` in the plan can handle it.
public enum Template {
    /// The name the template's code runs under in tracebacks.
    static let functionName = "<template>"

    /// Renders `text` (read from `name`, which diagnostics print) with `vars`. `caller` is the program that
    /// asked (its `print` output receives what functions passed in `vars` print); nil from a host.
    public static func render(_ text: String, name: String, vars: MapStorage, caller: CallContext? = nil) throws -> String {
        var names: [String] = []
        var values: [(name: String, value: Value)] = []
        for (k, v) in vars.pairs {
            guard case .string(let key) = k, isName(key) else {
                throw RuntimeError("template variable \(k.repr) is not a name a template can use",
                                   hint: "variable names are letters, digits and _, not starting with a digit, and not a keyword; nest other keys in a map: {cfg: {\"x-y\": 1}} and write \\(cfg[\"x-y\"])")
            }
            names.append(key)
            values.append((key, v))
        }
        let (module, slot) = try compile(text, name: name, names: names)
        let vm = VM(effects: PureEffects(caller: caller))
        if let program = caller as? VM {
            // One program, one budget: a template that calls back into a function that renders a template
            // again counts against the same call depth, and a stop request reaches it.
            vm.depth = program.depth
            vm.stop = program.stop
        }
        do {
            try vm.runTopLevel(module)
            guard case .closure(let c) = module.globals[slot] else { return "" }
            let result = try vm.call(c, positional: [], named: values, newBase: vm.frameTop, at: c.code.loc)
            // A secret interpolated into the template shows as `***`: the rendered text is as suspect as any
            // string built that way, so effects given it refuse it the same way (see SecretTexts).
            if let secret = vm.secretTexts.anySecret, let program = caller as? VM {
                program.secretTexts.note(result.printed, secret: secret)
            }
            return result.printed
        } catch var d as Diagnostic {
            if d.traceback.isEmpty, let loc = d.location { d.traceback = [.init(location: loc, function: functionName)] }
            throw d
        }
    }

    /// Parses and resolves the template into a module holding one function whose parameters are `names`.
    static func compile(_ text: String, name: String, names: [String]) throws -> (CompiledModule, Int) {
        let file = SourceFile(path: name, text: text)
        var parser = Parser(file: file)
        let parts = parser.lexer!.lexTemplate()
        let start = SourceLoc(file: file, line: 1, col: 1)
        let body = parser.stringExpr(parts, at: Token(.string(parts), line: 1, col: 1, offset: 0, length: 0))
        try refuse(parser.finalDiagnostics(), names: names)
        let params = names.map { Param(name: $0, loc: start, type: nil, defaultValue: nil) }
        let decl = FunctionDecl(name: functionName, params: params,
                                body: Block(statements: [Stmt(.returnStmt(body), body.loc)], loc: start, endLoc: start),
                                isArrow: true, loc: start)
        let program = Program(file: file, statements: [Stmt(.fnDecl(decl), start)])
        let module = CompiledModule(file: file, name: name)
        try refuse(Resolver.resolve(program, into: module, loader: loader), names: names)
        guard let slot = module.globals.names.firstIndex(of: functionName) else {
            throw RuntimeError("template \(name) could not be compiled")
        }
        return (module, slot)
    }

    /// The pure builtins: everything but `print` (a template's output is its text) and the effects, which an
    /// interpreter adds per host and this loader never has.
    static var loader: ModuleLoader {
        var builtins = Builtins.globals
        builtins["print"] = nil
        return ModuleLoader(builtins: builtins, effectSpecs: [], declarations: [], sources: DiskSources())
    }

    /// Throws the first problem of the template (each is at its line and column in the template), saying how
    /// many more there are; an unknown name gets a hint saying what a template can see.
    static func refuse(_ diagnostics: [Diagnostic], names: [String]) throws {
        guard var first = diagnostics.first else { return }
        if first.message.hasPrefix("undefined name '") {
            let seen = names.isEmpty ? "no variables" : "the variables \(names.joined(separator: ", "))"
            let unknown = first.message.split(separator: "'").dropFirst().first.map(String.init) ?? ""
            if unknown == "print" || EffectSpec.core.contains(where: { $0.name == unknown }) || knownEffects.contains(unknown) {
                first.hint = "templates are pure: \(unknown) cannot run in a template; compute the value in the plan and pass it in the template's variables"
            } else if first.hint == nil {
                first.hint = "a template sees \(seen) and the pure builtins; pass what it needs in its variables"
            }
        }
        if diagnostics.count > 1 {
            first.message += " (and \(diagnostics.count - 1) more problem\(diagnostics.count == 2 ? "" : "s") in this template)"
        }
        first.phase = .runtime
        if let loc = first.location { first.traceback = [.init(location: loc, function: functionName)] }
        throw first
    }

    /// Effects of the engine and its modules a template author might reach for, for the hint above.
    static let knownEffects: Set<String> = ["sh", "copy", "script", "approve", "read_file", "write_file",
                                            "render_template", "cmdb", "release", "gateway", "containers"]

    /// NAME = letter { letter | digit } ; and not a keyword.
    static func isName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        guard s.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }) else {
            return false
        }
        return Keyword(rawValue: s) == nil
    }
}

/// The effect handler a template renders under: none is allowed. A function passed in the variables could
/// try one (`sh`, `sleep`, a step); it fails with the reason instead of acting behind the run's journal.
final class PureEffects: EffectHandler {
    weak var caller: CallContext?
    init(caller: CallContext?) { self.caller = caller }

    func perform(_ call: EffectCall) throws -> Value {
        throw RuntimeError("templates are pure: \(call.name)() cannot run while a template renders",
                           hint: "call \(call.name)() in the plan and pass its result in the template's variables")
    }

    func stepStarted(_ step: StepEvent) throws {
        throw RuntimeError("templates are pure: a step cannot run while a template renders")
    }

    func stepFinished(_ step: StepEvent, outcome: StepOutcome) {}

    func write(_ text: String) { caller?.write(text) }
}
