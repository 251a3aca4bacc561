import Foundation
import PlatEngine
import PlatJobs
import PlatCMDB
import PlatRelease
import PlatGateway
import PlatContainers
import PlatLang

// platflow's entry point: build the command list, let the dispatcher run the command line, exit with its code.
// SIGINT and SIGTERM go through ProcessSignals: a run stops resumably, any other command stops what it started
// and exits 130 (Ctrl-C) or 143.
ProcessSignals.install()
signal(SIGPIPE, SIG_IGN)

// The modules of this build, one line each: their tables, effects, declarations and events join every store,
// run and scheduler the commands open, and their command families join the command list.
// The container platform's `transport: "podman"` hosts join the job platform's transports (sh and copy in containers).
var transports = TransportRegistry.standard
try transports.register(kind: "podman") { _ in PodmanTransport() }
let installed = [
    InstalledModule(JobsModule(transports: transports), commands: [.init("script", ScriptCommand.spec),
                                                                   .init("batches", BatchesCommand.spec)]),
    InstalledModule(CMDBModule(), commands: [.init("cmdb", CMDBCommand.spec)]),
    InstalledModule(ReleaseModule(), commands: [.init("artifact", ArtifactCommand.spec), .init("deploy", DeployCommand.spec),
                                                .init("app", AppCommand.spec)]),
    InstalledModule(GatewayModule(), commands: [.init("gateway", GatewayCommand.spec)]),
    InstalledModule(ContainersModule(), commands: [.init("cluster", ClusterCommand.spec), .init("node", NodeCommand.spec),
                                                   .init("app", AppRuntimeCommand.spec), .init("cluster", KubeClusterCommand.spec),
                                                   .init("chart", ChartCommand.spec), .init("image", ImageCommand.spec),
                                                   .init("registry", RegistryCommand.spec)]),
]
EngineSession.modules = try ModuleSet(installed.map(\.module))

let terminal = Terminal.shared
let argv = Array(CommandLine.arguments.dropFirst())
if argv.contains("--no-color") || EnvironmentVariable.value("NO_COLOR") != nil { terminal.colorEnabled = false }

// The commands of this build: the engine's, then each module's families.
var commands = CommandTree.builtIn
for m in installed { m.commands.forEach { commands.add($0) } }

let code = CommandDispatcher(tree: commands, terminal: terminal).run(argv)
terminal.flush()
exit(code)
