import Foundation
import PlatEngine
import PlatJobs
import PlatCMDB
import PlatLang

// platflow's entry point: pick the command, parse its flags, run it, exit with its code.
// Ctrl-C ends the process with 130, the shell convention for SIGINT.
signal(SIGINT) { _ in _exit(130) }
signal(SIGPIPE, SIG_IGN)

// The modules of this build: their tables, effects and events join every store, run and scheduler the commands open.
EngineSession.modules = try ModuleSet([JobsModule(), CMDBModule()])

let terminal = Terminal.shared
var argv = Array(CommandLine.arguments.dropFirst())
if argv.contains("--no-color") || ProcessInfo.processInfo.environment["NO_COLOR"] != nil { terminal.colorEnabled = false }

typealias Handler = (ParsedArguments, Terminal) -> Int32
let handlers: [String: (CommandSpec, Handler)] = [
    "run": (RunCommand.spec, RunCommand.execute),
    "check": (CheckCommand.spec, CheckCommand.execute),
    "help": (HelpCommand.spec, HelpCommand.execute),
    "resume": (ResumeCommand.spec, ResumeCommand.execute),
    "retry": (RetryCommand.spec, RetryCommand.execute),
    "cancel": (CancelCommand.spec, CancelCommand.execute),
    "approve": (ApproveCommand.spec, ApproveCommand.execute),
    "runs": (RunsCommand.spec, RunsCommand.execute),
    "status": (StatusCommand.spec, StatusCommand.execute),
    "logs": (LogsCommand.spec, LogsCommand.execute),
    "schedule": (ScheduleCommand.spec, ScheduleCommand.execute),
    "scheduler": (SchedulerCommand.spec, SchedulerCommand.execute),
    "script": (ScriptCommand.spec, ScriptCommand.execute),
    "cmdb": (CMDBCommand.spec, CMDBCommand.execute),
    "batches": (BatchesCommand.spec, BatchesCommand.execute),
    "semver": (SemverCommand.spec, SemverCommand.execute),
    "version": (HelpCommand.versionSpec, { _, t in t.out("platflow \(HelpCommand.version)\n"); return ExitCode.ok }),
]

func main() -> Int32 {
    guard let command = argv.first else {
        terminal.out(HelpCommand.overview)
        return ExitCode.ok
    }
    if command == "--help" || command == "-h" {
        terminal.out(HelpCommand.overview)
        return ExitCode.ok
    }
    if command == "--version" {
        terminal.out("platflow \(HelpCommand.version)\n")
        return ExitCode.ok
    }
    guard let (spec, handler) = handlers[command] else {
        let hint = closestName(to: command, in: Array(handlers.keys)).map { "did you mean '\($0)'?" }
            ?? "run `platflow help` for the list of commands"
        terminal.error("unknown command '\(command)'", hint: hint)
        return ExitCode.usage
    }
    do {
        let args = try ParsedArguments.parse(Array(argv.dropFirst()), spec: spec)
        if args.has("help") {
            terminal.out(HelpCommand.render(spec))
            return ExitCode.ok
        }
        if args.has("quiet") { terminal.quiet = true }
        return handler(args, terminal)
    } catch let u as UsageError {
        terminal.error(u.message, hint: u.hint)
        return ExitCode.usage
    } catch {
        terminal.error("\(error)")
        return ExitCode.usage
    }
}

let code = main()
terminal.flush()
exit(code)
