import Foundation
import PlatEngine
import PlatJobs
import PlatCMDB
import PlatRelease
import PlatLang

// platflow's entry point: build the command list, let the dispatcher run the command line, exit with its code.
// Ctrl-C ends the process with 130, the shell convention for SIGINT.
signal(SIGINT) { _ in _exit(130) }
signal(SIGPIPE, SIG_IGN)

// The modules of this build: their tables, effects and events join every store, run and scheduler the commands open.
EngineSession.modules = try ModuleSet([JobsModule(), CMDBModule(), ReleaseModule()])

let terminal = Terminal.shared
let argv = Array(CommandLine.arguments.dropFirst())
if argv.contains("--no-color") || ProcessInfo.processInfo.environment["NO_COLOR"] != nil { terminal.colorEnabled = false }

// The commands of this build: the engine's and the job platform's, then each module's family.
var commands = CommandTree.builtIn
commands.add(CMDBCommand.spec)
commands.add(ArtifactCommand.spec)

let code = CommandDispatcher(tree: commands, terminal: terminal).run(argv)
terminal.flush()
exit(code)
