import Foundation
import PlatEngine
import PlatLang
import PlatRelease

/// A deploy that must wait for another, and a CD description that cannot be used, as the CLI shows them.
extension DeployBusyError: CLIError {}
extension DeployDescriptionError: CLIError {
    var exitCode: Int32 { ExitCode.usage }
}

/// `platflow deploy APP VERSION --env ENV`: the gates, then a durable run of the app's deploy plan, recorded as
/// a numbered revision of the app in that environment. Parsing and printing only: the rules live in PlatRelease.
enum DeployCommand {
    static let spec = CommandSpec(
        name: "deploy",
        summary: "Deploy an app version to one of its environments through the release gates, as a durable run.",
        usage: ["platflow deploy APP VERSION --env ENV [--file F.plat] [--param K=V ...] [--force REASON] [--wait] [--detach]",
                "platflow deploy APP --env ENV --rollback [--file F.plat] [--wait]",
                "platflow deploy --config release.yaml|release.json [--wait] [--detach]"],
        flags: [
            FlagSpec(name: "env", short: "e", value: "ENV", help: "the environment, as the app declares it (envs: {...})"),
            FlagSpec(name: "file", short: "f", value: "F.plat", help: "the file that declares the app (default: the one its last deploy read)"),
            FlagSpec(name: "param", short: "p", value: "NAME=VALUE", repeats: true, help: "a parameter of the deploy plan besides version, artifact and env; repeatable"),
            FlagSpec(name: "config", value: "FILE", help: "a CD description in YAML or JSON: app, version or stage, env, file, params, secrets (env:NAME, file:PATH), force"),
            FlagSpec(name: "force", value: "REASON", help: "pass a refusing gate; the refusal and the reason are recorded"),
            FlagSpec(name: "wait", help: "wait for a running deploy of the app to the environment instead of refusing"),
            FlagSpec(name: "detach", help: "start the deploy's run in the background, print its id and return"),
            FlagSpec(name: "rollback", help: "deploy the newest successful version before the current one"),
            FlagSpec(name: "as", value: "NAME", help: "who is recorded", defaultText: "$USER"),
            ArtifactCommand.storeFlag,
            EngineSession.durabilityFlag,
        ],
        examples: [
            "platflow deploy shop-web 1.4.0-alpha.1 --env test --file shop.plat",
            "platflow deploy shop-web 1.4.0 --env prod --param batch=2",
            "platflow deploy shop-web --env prod --rollback",
            "platflow deploy --config release.yaml",
        ],
        details: """
            The deploy reads the app's declaration (and records it with its environments), checks the artifact's
            bits against their digest, then the gates: the stage policy and acceptances, and the requires of every
            app in the environment after the deploy. It then starts a durable run of the app's deploy plan with
            version, artifact (a map: app, version, digest, path in the store, size, stage, kind, name) and env,
            and records a revision (who, when, the run); the result and duration are recorded when the run ends,
            however it ends (here, under `platflow resume`, or a scheduler), once. One deploy of an app to an
            environment runs at a time: a second is refused (exit 7) or waits with --wait; a deploy whose process
            died is taken over by the next one and its run cancelled. A rollback passes the gates like any deploy:
            a version that was deployed there once passed them, and passes again unless the policy changed.
            Exit codes: 0 deployed, 1 the deploy run failed, 2 bad input (nothing recorded), 3 the run is parked,
            4 a stage gate refused, 5 a requirement would be unsatisfied, 7 another deploy is running.
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) throws -> Int32 {
        var request: DeployRequest
        var stage: Stage? = nil
        if let config = args.value("config") {
            guard args.positional.isEmpty else {
                throw UsageError("--config describes the whole deploy; leave out APP and VERSION", hint: "platflow deploy --config release.yaml")
            }
            for f in ["env", "file", "param", "rollback", "force"] where args.has(f) {
                throw UsageError("--\(f) cannot be combined with --config: the description says it", hint: "edit \(config)")
            }
            let d = try DeployDescription.read(config)
            request = DeployRequest(app: d.app, version: d.version, environment: d.environment, file: d.file, params: d.params,
                                    secrets: d.secrets, force: d.force)
            stage = d.stage
        } else {
            guard let app = args.positional.first else {
                throw UsageError("deploy needs an app", hint: "platflow deploy APP VERSION --env ENV")
            }
            let rollback = args.has("rollback")
            if rollback && args.positional.count > 1 {
                throw UsageError("--rollback picks the version itself; leave out \(args.positional[1])", hint: "platflow deploy \(app) --env ENV --rollback")
            }
            if !rollback && args.positional.count < 2 {
                throw UsageError("deploy needs a version", hint: "platflow deploy \(app) VERSION --env ENV, or --rollback")
            }
            if args.positional.count > 2 { throw UsageError("too many arguments: \(args.positional.dropFirst(2).joined(separator: " "))") }
            guard let env = args.value("env") else {
                throw UsageError("deploy needs --env", hint: "platflow deploy \(app) \(rollback ? "--rollback" : args.positional[1]) --env test")
            }
            if let f = args.value("force"), f.trimmingCharacters(in: .whitespaces).isEmpty {
                throw UsageError("--force needs a reason", hint: "--force \"hotfix for INC-42, approved by sre-oncall\"")
            }
            request = DeployRequest(app: app, version: rollback ? nil : args.positional[1], environment: env, file: args.value("file"),
                                    params: try RunCommand.parseParams(args), force: args.value("force"), rollback: rollback)
        }
        if args.has("detach") && !request.secrets.isEmpty {
            throw UsageError("a deploy with secrets cannot be detached: the background worker would need them", hint: "deploy in the foreground")
        }
        let store = try EngineSession.open(args)
        let root = args.value("store") ?? ReleaseStore.defaultRoot(databasePath: EngineSession.dbPath(args))
        // Who deploys is who starts the deploy's run: the same name in the history and in `platflow runs`.
        let user = args.value("as") ?? RunExecutor.currentUser()
        let releases = ReleaseStore(db: store.db, artifactRoot: root, actor: user)
        if let stage {
            guard let newest = try releases.artifacts(app: request.app).first(where: { $0.stage == stage }) else {
                let config = args.value("config") ?? ""
                throw DeployDescriptionError(path: config, line: FieldLocatorLine.of("stage", in: config), field: "stage",
                                             reason: "\(request.app) has no \(stage) artifact", hint: "platflow artifact list \(request.app)")
            }
            request.version = newest.version.description
        }
        let executor = RunExecutor(store: store, output: TerminalOutput(terminal: terminal), user: user)
        let deployer = Deployer(releases: releases, executor: executor)
        var waited = false
        let started = try deployer.start(request, wait: args.has("wait")) {
            if !waited && !terminal.quiet { terminal.err("waiting for the running deploy of \(request.app) to \(request.environment)...\n") }
            waited = true
        }
        let r = started.revision
        if let f = started.forced { terminal.err("\(terminal.paint("warning:", .yellow)) forced past a gate (recorded): \(f.description)\n") }
        if args.has("detach") {
            try DetachedWorker.spawn(runID: r.runID, dbPath: store.db.path)
            terminal.out("\(r.runID)\n")
            return ExitCode.ok
        }
        if !terminal.quiet {
            terminal.err(terminal.paint("deploy \(r.app) \(r.version) to \(r.environment.name): revision \(r.revision)\(r.rollbackOf.map { ", rollback from \($0)" } ?? ""), run \(r.runID)\n", .dim))
        }
        let code = RunCommand.drive(executor, id: r.runID, secrets: started.secrets, upgrade: false, terminal: terminal)
        if let done = try releases.deploy(runID: r.runID), let result = done.result {
            let line = "\(result == .succeeded ? "deployed" : "deploy \(result.rawValue):") \(r.app) \(r.version) to \(r.environment.name) (revision \(r.revision), \(humanDuration(done.duration ?? 0)))\n"
            if result == .succeeded { terminal.out(line) } else { terminal.err(line) }
        }
        return code
    }
}
