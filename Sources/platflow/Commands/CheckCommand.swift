import Foundation
import PlatEngine
import PlatJobs
import PlatLang

enum CheckCommand {
    static let spec = CommandSpec(
        name: "check",
        summary: "Parse and resolve workflow files and report every problem, without running anything.",
        usage: ["platflow check FILE... [--json]"],
        flags: [
            FlagSpec(name: "json", help: "print the diagnostics as a JSON array (file, line, column, message, hint)"),
        ],
        examples: [
            "platflow check workflows/*.plat",
            "platflow check deploy.plat --json",
        ],
        details: """
            Reports syntax errors, undefined names (with "did you mean"), assignments to let, break/continue/return
            out of place, duplicate steps and declarations, wrong arguments to known functions, and bad imports.
            Exit codes: 0 no problems, 1 problems found, 2 usage error (no files given, unreadable file).
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) throws -> Int32 {
        guard !args.positional.isEmpty else {
            throw UsageError("check needs at least one .plat file", hint: "platflow check workflows/*.plat")
        }
        var all: [Diagnostic] = []
        var unreadable = false
        for path in args.positional {
            let registry = EngineSession.modules.effects
            let interpreter = Interpreter(effects: NullEffects(), effectSpecs: registry.specs,
                                          declarations: registry.declarations)
            var diags = interpreter.check(path: path)
            if diags.isEmpty { diags = moduleProblems(path, interpreter: interpreter) }
            if diags.isEmpty { diags = libraryProblems(path, interpreter: interpreter, args: args) }
            if diags.contains(where: { $0.location == nil }) { unreadable = true }
            all += diags
            if !args.has("json") && diags.isEmpty && !terminal.quiet { terminal.out("\(path): ok\n") }
        }
        if args.has("json") {
            let objects = all.map { $0.jsonObject() }
            let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
            terminal.out(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            terminal.err(all.map { $0.rendered() }.joined())
            if !all.isEmpty {
                terminal.err("\(all.count) problem\(all.count == 1 ? "" : "s") found\n")
            }
        }
        terminal.flush()
        if unreadable { return ExitCode.usage }
        return all.isEmpty ? ExitCode.ok : ExitCode.failed
    }
}

extension CheckCommand {
    /// The engine's checks of schedules and subscriptions (what `schedule apply` would refuse), and the modules'
    /// own checks of their declarations (an app's environment classes and ranges).
    static func moduleProblems(_ path: String, interpreter: Interpreter) -> [Diagnostic] {
        guard let module = try? interpreter.load(path: path) else { return [] }
        return EngineDeclarations.check(module.declarations, events: EngineSession.modules.eventNames)
            + EngineSession.modules.modules.flatMap { $0.checkDeclarations(module.declarations, file: path) }
    }

    /// `script("name")` calls with constant arguments, checked against the library when a database exists.
    static func libraryProblems(_ path: String, interpreter: Interpreter, args: ParsedArguments) -> [Diagnostic] {
        let dbPath = EngineSession.dbPath(args)
        guard FileManager.default.fileExists(atPath: dbPath), let module = try? interpreter.load(path: path) else { return [] }
        let calls = module.constantEffectCalls.filter { $0.name == "script" }
        guard !calls.isEmpty, let store = try? EngineSession.open(args) else { return [] }
        let lib = ScriptLibrary(db: store.db)
        var out: [Diagnostic] = []
        for c in calls {
            guard case .string(let name)? = c.args["name"] else { continue }
            var version: Int? = nil
            if case .int(let v)? = c.args["version"] { version = v }
            do {
                _ = try lib.resolve(name, version: version)
            } catch let e as EngineError {
                out.append(Diagnostic(message: e.message, location: c.loc, hint: e.hint, phase: .resolve))
            } catch {}
        }
        return out
    }
}

