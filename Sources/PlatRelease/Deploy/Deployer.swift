import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// What to deploy: an app version (or `rollback`) to one of its environments.
public struct DeployRequest: Sendable {
    public var app: String
    /// nil with `rollback`.
    public var version: String?
    public var environment: String
    /// The .plat file that declares the app; nil: the file its declaration was last recorded from.
    public var file: String?
    /// Extra parameters of the deploy plan, as `--param` text.
    public var params: [String: String]
    /// Secret parameters of the deploy plan (the plan must declare them `secret`); never stored.
    public var secrets: [String: String]
    /// Pass a refusing gate for this reason (recorded).
    public var force: String?
    /// Deploy the newest successful version before the current one.
    public var rollback: Bool
    /// `RUN/KEY` of the .plat call asking for this deploy, so a resumed plan finds it.
    public var request: String?

    public init(app: String, version: String?, environment: String, file: String? = nil, params: [String: String] = [:],
                secrets: [String: String] = [:], force: String? = nil, rollback: Bool = false, request: String? = nil) {
        self.app = app
        self.version = version
        self.environment = environment
        self.file = file
        self.params = params
        self.secrets = secrets
        self.force = force
        self.rollback = rollback
        self.request = request
    }
}

/// A deploy that has started: its revision (the row in the history) and its run, with the secrets the run
/// needs (never stored, so whoever executes the run now passes them).
public struct StartedDeploy {
    public let revision: DeployRevision
    public let secrets: [String: String]
    /// The refusal passed with `--force`, if one was.
    public let forced: GateRefusal?
}

/// Starts deploys: reads the app's declaration (recorded with the deploy), finds the artifact and checks its bits,
/// checks the gates (stage, acceptance, the requirements of every app in the environment), takes the deploy
/// lock and creates the durable run of the app's deploy plan, all in one transaction, so a refused deploy
/// leaves nothing behind and two deploys of one app to one environment never run at once.
public final class Deployer {
    public let releases: ReleaseStore
    public let executor: RunExecutor

    public init(releases: ReleaseStore, executor: RunExecutor) {
        self.releases = releases
        self.executor = executor
    }

    /// The `app` declarations of `file`, checked; problems are thrown as a `DiagnosticList`.
    public func definitions(in file: String) throws -> [AppDefinition] {
        let registry = executor.registry
        let interpreter = Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations)
        let module = try interpreter.load(path: file)
        let read = AppDefinition.read(module.declarations, file: file)
        if !read.problems.isEmpty { throw DiagnosticList(read.problems) }
        return read.apps
    }

    /// The definition of `app`: from `file`, else from the file its declaration was recorded from.
    public func definition(of app: String, file: String?) throws -> AppDefinition {
        guard let path = try file ?? releases.recordedApp(app)?.file else {
            let known = try releases.recordedApps().map(\.name)
            throw ReleaseError.invalidInput("no app '\(app)' is declared yet",
                                            hint: closestName(to: app, in: known).map { "did you mean '\($0)'?" }
                                                ?? "give the file that declares it: --file deploy.plat")
        }
        let apps = try definitions(in: path)
        if let d = apps.first(where: { $0.name == app }) { return d }
        throw ReleaseError.invalidInput("\(path) declares no app '\(app)'",
                                        hint: closestName(to: app, in: apps.map(\.name)).map { "did you mean '\($0)'?" }
                                            ?? (apps.isEmpty ? "declare it: app \"\(app)\" { deploy: PLAN, envs: {test: \"test\"} }"
                                                : "its apps: \(apps.map(\.name).joined(separator: ", "))"))
    }

    /// Starts the deploy `request` describes. With `wait`, a running deploy of the app to the environment is
    /// waited for (polling, `stop` is asked between polls); without, it is `DeployBusyError`.
    public func start(_ request: DeployRequest, wait: Bool = false, stop: () throws -> Void = {}) throws -> StartedDeploy {
        let def = try definition(of: request.app, file: request.file)
        guard let environment = def.environments.first(where: { $0.name == request.environment }) else {
            let names = def.environments.map(\.name)
            throw ReleaseError.invalidInput("unknown environment '\(request.environment)' of \(def.name)",
                                            hint: closestName(to: request.environment, in: names).map { "did you mean '\($0)'?" }
                                                ?? "its environments: \(names.joined(separator: ", "))")
        }
        var versionText = request.version
        var rollbackOf: String? = nil
        if request.rollback {
            let (target, current) = try releases.rollbackTarget(app: def.name, environment: environment.name)
            versionText = target.version
            rollbackOf = current.version
        }
        guard let versionText else { throw ReleaseError.invalidInput("which version of \(def.name)?", hint: "platflow deploy \(def.name) VERSION --env \(environment.name)") }
        let artifact = try releases.artifact(app: def.name, version: versionText)
        let damage = releases.blobs.verify(digest: artifact.digest, kind: artifact.kind, size: artifact.size)
        if !damage.isEmpty {
            throw ReleaseError.integrity("\(def.name) \(artifact.version)'s bits in the store do not match their digest: \(damage.joined(separator: "; "))")
        }
        let params = try planParameters(def, artifact: artifact, environment: environment, request: request)
        while true {
            do {
                return try releases.db.transaction {
                    // The declaration is recorded with the deploy, so a refused deploy leaves nothing behind.
                    try releases.record(def)
                    if let holder = try releases.unfinishedDeploy(app: def.name, environment: environment.name) {
                        if try isLive(holder.runID) { throw DeployBusyError(running: holder) }
                        // Its run died unfinished: cancel it (it must never resume into this deploy) and take over.
                        try executor.store.setStatus(holder.runID, .cancelled,
                                                     error: "abandoned: a later deploy of \(def.name) to \(environment.name) took over")
                        try executor.store.log(holder.runID, step: "", kind: "event", text: "run cancelled: its deploy was abandoned")
                        try releases.abandonDeploy(runID: holder.runID)
                    }
                    let forced = try checkGates(def, artifact: artifact, environment: environment, force: request.force)
                    if let forced, let reason = request.force { try releases.recordOverride(forced, reason: reason) }
                    let (runID, secrets) = try executor.create(file: def.file, plan: def.deployPlan, params: params)
                    let revision = try releases.insertDeploy(app: def.name, environment: environment, artifact: artifact,
                                                             runID: runID, request: request.request, rollbackOf: rollbackOf,
                                                             forced: forced == nil ? nil : request.force)
                    return StartedDeploy(revision: revision, secrets: secrets, forced: forced)
                }
            } catch let busy as DeployBusyError {
                guard wait else { throw busy }
                try stop()
                usleep(200_000)
            }
        }
    }

    /// Whether the run holding a deploy lock is alive: parked on a timer or an approval, held by a live lease,
    /// or just created (a detached worker is about to take it). A run that was killed (its lease's process
    /// gone or the lease expired) or stopped is not: the lock it holds is taken over.
    func isLive(_ runID: String) throws -> Bool {
        guard let run = try executor.store.run(runID) else { return false }
        if run.status.isFinished { return false }
        if run.status.isParked { return true }
        let now = Date().timeIntervalSince1970
        if let owner = run.leaseOwner, let expires = run.leaseExpires, expires > now, LeaseOwner.isAlive(owner) { return true }
        return run.status == .pending && run.leaseOwner == nil && run.startedAt == nil
            && run.createdAt > now - RunExecutor.leaseSeconds
    }

    /// The stage gate, then the requirements of every app in the environment after this deploy.
    func checkGates(_ def: AppDefinition, artifact: Artifact, environment: Environment, force: String?) throws -> GateRefusal? {
        let stage = ReleaseGates.check(app: def.name, version: artifact.version.description, digest: artifact.digest, stage: artifact.stage,
                                       environment: environment, acceptances: try releases.acceptances(app: def.name, digest: artifact.digest),
                                       policy: def.policy ?? .standard)
        if let forced = try stage.enforce(force: force) { return forced }
        var running = try releases.runningVersions(environment: environment.name)
        running[def.name] = artifact.version
        var requirements: [String: [String: VersionRange]] = [:]
        for app in try releases.recordedApps() where running[app.name] != nil {
            requirements[app.name] = app.requires.compactMapValues { try? VersionRange(parsing: $0) }
        }
        requirements[def.name] = def.requiredRanges
        let compat = ReleaseGates.checkRequirements(environment: environment, running: running, requirements: requirements,
                                                    deploying: (def.name, artifact.version, artifact.stage, artifact.digest))
        return try compat.enforce(force: force)
    }

    /// `version`, `artifact` and `env` (those the deploy plan declares), then the request's own parameters.
    func planParameters(_ def: AppDefinition, artifact: Artifact, environment: Environment,
                        request: DeployRequest) throws -> [String: String] {
        let registry = executor.registry
        let interpreter = Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations)
        let module = try interpreter.load(path: def.file)
        guard let plan = try interpreter.selectPlan(in: module, named: def.deployPlan) else {
            throw ReleaseError.invalidInput("\(def.file) has no plan \(def.deployPlan)", hint: nil)
        }
        let hex = artifact.digest.hasPrefix("sha256:") ? String(artifact.digest.dropFirst(7)) : artifact.digest
        let artifactValue = Value.makeMap([
            ("app", .string(artifact.app)), ("version", .string(artifact.version.description)), ("digest", .string(artifact.digest)),
            ("path", .string(releases.blobs.path(ofHex: hex))), ("size", .int(Int(artifact.size))), ("stage", .string(artifact.stage.name)),
            ("kind", .string(artifact.kind.rawValue)), ("name", .string(artifact.name)),
        ])
        let given: [String: String] = [
            "version": artifact.version.description, "artifact": try JSON.encode(artifactValue), "env": environment.name,
        ]
        var params: [String: String] = [:]
        for p in plan.params { if let v = given[p.name] { params[p.name] = v } }
        for (k, v) in request.params {
            if given[k] != nil {
                throw ReleaseError.invalidInput("--param \(k) is set by the deploy itself", hint: "version, artifact and env come from the deploy")
            }
            params[k] = v
        }
        for (k, v) in request.secrets {
            guard let p = plan.params.first(where: { $0.name == k }) else {
                throw ReleaseError.invalidInput("secret \(k): the deploy plan \(def.deployPlan) has no parameter \(k)",
                                                hint: "its parameters: \(plan.params.map(\.name).joined(separator: ", "))")
            }
            guard p.type == .secret else {
                throw ReleaseError.invalidInput("secret \(k): the deploy plan's parameter \(k) is not a secret, so its value would be stored",
                                                hint: "declare it `\(k): secret` in plan \(def.deployPlan)")
            }
            params[k] = v
        }
        return params
    }
}
