import PlatCMDB
import PlatContainers
import PlatEngine
import PlatLang
import PlatStore

/// Exit codes of every platflow command (`platflow help exit-codes`).
enum ExitCode {
    static let ok: Int32 = 0
    static let failed: Int32 = 1
    static let usage: Int32 = 2
    static let parked: Int32 = 3
    static let interrupted: Int32 = 130
}

/// An error as the CLI shows it: what went wrong, a hint where one helps, and the exit code it ends with.
/// Commands throw these (or the libraries' errors, which `CLIFailure` maps); the dispatcher renders them in one
/// place, `Terminal.report`. A module's commands may define their own conforming errors.
protocol CLIError: Error {
    var message: String { get }
    var hint: String? { get }
    var exitCode: Int32 { get }
}

/// Bad input before anything ran.
extension UsageError: CLIError {
    var exitCode: Int32 { ExitCode.usage }
}

/// A refusal (unknown run, nothing to approve, a conflict) is bad input; a failure of the work exits 1.
extension EngineError: CLIError {
    var exitCode: Int32 { kind == .failed ? ExitCode.failed : ExitCode.usage }
}

/// Bad input exits 2; a change that breaks a rule (uniqueness, transfer rules, a host still in use) exits 1.
extension CMDBError: CLIError {
    var exitCode: Int32 { kind == .conflict ? ExitCode.failed : ExitCode.usage }
}

/// A schedule that cannot be declared (bad cron, unknown zone) is bad input.
extension ScheduleError: CLIError {
    var exitCode: Int32 { ExitCode.usage }
}

/// Any error, as the CLI shows it: the one place that decides the exit code of an error, whatever threw it.
struct CLIFailure: CLIError {
    var message: String
    var hint: String?
    var exitCode: Int32
    /// The whole text for errors that render themselves (diagnostics with a source line and a caret), printed
    /// instead of `error: MESSAGE` and `hint: HINT`.
    var rendered: String? = nil

    init(_ error: Error) {
        switch error {
        case let e as ContainerInputError:
            // Bad input to the container platform; a chart.plat diagnostic keeps its source line and caret.
            self.init(message: e.message, hint: e.hint, exitCode: ExitCode.usage, rendered: e.rendered)
        case let e as CLIError:
            self.init(message: e.message, hint: e.hint, exitCode: e.exitCode)
        case let list as DiagnosticList:
            self.init(message: list.description, exitCode: ExitCode.usage, rendered: list.description)
        case let d as Diagnostic:
            self.init(message: d.message, hint: d.hint, exitCode: d.phase == .runtime ? ExitCode.failed : ExitCode.usage,
                      rendered: d.rendered())
        case let f as FilterError:
            // The filter with a caret under the column, then the hint on its own line.
            var body = f.description
            if let hint = f.hint, let r = body.range(of: "\nhint: \(hint)") { body.removeSubrange(r) }
            self.init(message: body, hint: f.hint, exitCode: ExitCode.usage)
        case let s as SchemaTooNewError:
            self.init(message: "\(s)", exitCode: ExitCode.usage)
        case let db as DatabaseError:
            self.init(message: "database: \(db)", exitCode: ExitCode.failed)
        default:
            self.init(message: "\(error)", exitCode: ExitCode.failed)
        }
    }

    init(message: String, hint: String? = nil, exitCode: Int32, rendered: String? = nil) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
        self.rendered = rendered
    }
}

extension Terminal {
    /// Prints `error` in the house format on stderr and returns the exit code it ends with.
    func report(_ error: Error) -> Int32 {
        let failure = CLIFailure(error)
        if let rendered = failure.rendered {
            err(rendered)
        } else {
            self.error(failure.message, hint: failure.hint)
        }
        return failure.exitCode
    }
}
