import Foundation
import PlatLang

enum RunCommand {
    static let spec = CommandSpec(
        name: "run",
        summary: "Run a workflow file: its top level, then a plan with parameters.",
        usage: ["platflow run FILE [PLAN] [--param NAME=VALUE ...]"],
        flags: [
            FlagSpec(name: "param", short: "p", value: "NAME=VALUE", repeats: true,
                     help: "a plan parameter, converted to its declared type (lists and maps as JSON); repeatable"),
        ],
        examples: [
            "platflow run workflows/hello.plat",
            "platflow run workflows/fizzbuzz.plat main --param n=15",
            "platflow run deploy.plat rollout -p hosts='[\"web-01\",\"web-02\"]' -p batch=30%",
        ],
        details: """
            Without PLAN, the plan named main runs, or the file's only plan; a file without plans runs its top level.
            The program's print output goes to stdout; step banners and errors go to stderr.
            Exit codes: 0 succeeded, 1 the program failed, 2 bad input (nothing ran), 130 interrupted.
            """)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        guard let path = args.positional.first else {
            terminal.error("run needs a .plat file", hint: "platflow run workflows/hello.plat")
            return ExitCode.usage
        }
        if args.positional.count > 2 {
            terminal.error("run takes a file and at most one plan name, got \(args.positional.count - 1) extra words: \(args.positional.dropFirst().joined(separator: " "))",
                           hint: "pass plan parameters as --param NAME=VALUE")
            return ExitCode.usage
        }
        var params: [String: String] = [:]
        for p in args.values("param") {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                terminal.error("--param expects NAME=VALUE, got '\(p)'", hint: "--param n=15")
                return ExitCode.usage
            }
            let name = String(p[..<eq])
            if params[name] != nil {
                terminal.error("parameter '\(name)' given twice")
                return ExitCode.usage
            }
            params[name] = String(p[p.index(after: eq)...])
        }
        let interpreter = Interpreter(effects: DirectEffects(terminal: terminal))
        do {
            let module = try interpreter.load(path: path)
            let plan = try interpreter.selectPlan(in: module, named: args.positional.count > 1 ? args.positional[1] : nil)
            _ = try interpreter.run(module, plan: plan, params: params)
            terminal.flush()
            return ExitCode.ok
        } catch let list as DiagnosticList {
            terminal.err(list.description)
            return ExitCode.usage
        } catch let u as UsageError {
            terminal.error(u.message, hint: u.hint)
            return ExitCode.usage
        } catch let d as Diagnostic {
            terminal.err(d.rendered())
            return d.phase == .runtime ? ExitCode.failed : ExitCode.usage
        } catch {
            terminal.error("\(error)")
            return ExitCode.failed
        }
    }
}

enum ExitCode {
    static let ok: Int32 = 0
    static let failed: Int32 = 1
    static let usage: Int32 = 2
    static let parked: Int32 = 3
    static let interrupted: Int32 = 130
}
