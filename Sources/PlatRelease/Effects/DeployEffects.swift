import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// Deploys in .plat: `release.deploy(app, version, env: "test", params: {...})` and `release.current(app, env)`.
///
/// `release.deploy` starts the app's deploy plan as a child durable run and waits for it in this process:
/// the deploy has its own run (its own journal, log and history row, resumable and listed like any other),
/// exactly as `platflow deploy` makes it, so a deploy from a pipeline and one from the shell are the same
/// thing, and the deploy lock covers both. Running the plan inline would mix the deploy's effects into the
/// pipeline's journal and leave the history without a run to point at.
///
/// Durability: the child run and its history row are created in one transaction keyed by this call
/// (`RUN/KEY`); a pipeline killed while the deploy runs finds that deploy again when it resumes, continues
/// its run (which replays its own journal) and journals the outcome once. A gate refusal or a failed deploy
/// run is a runtime error of the pipeline that names the rule or the run.
enum DeployEffects {
    static func all() -> [DurableEffect] {
        [ReleaseEffects.effect(EffectSpec(name: "release.deploy", params: ["app", "version", "env", "params", "force", "file"], required: 3,
                                          summary: "deploys an app version to one of its environments through the gates, running the app's deploy plan as a child run; returns the revision map"),
                               kind: .external, body: deploy),
         ReleaseEffects.effect(EffectSpec(name: "release.current", params: ["app", "env"], required: 2,
                                          summary: "what runs: the newest successful deploy of the app to the environment as a map, or nil"),
                               kind: .read, body: current)]
    }

    /// `--explain`: the deploy that would start (its gates are not asked: explain reads no store), and a
    /// stand-in revision so the plan goes on; `release.current` reads nothing either, and stands in the same way.
    static func explain(_ name: String, app: String, version: String, stage: String, env: String) -> (lines: [String], result: Value) {
        let standIn = Value.makeMap([("app", .string(app)), ("env", .string(env)), ("revision", .int(0)), ("version", .string(version)),
                                     ("stage", .string(stage)), ("digest", .string(ArtifactDigest.prefix + "?")), ("result", .string("explained"))])
        if name == "release.current" { return (["would read what runs of \(app) in \(env)"], standIn) }
        return (["would deploy \(app) \(version) (\(stage)) to \(env) through its gates, running its deploy plan as a child run"], standIn)
    }

    static func current(_ ctx: EffectContext) throws -> Value {
        let s = ReleaseEffects.store(ctx)
        return try s.currentDeploy(app: try ReleaseEffects.string(ctx, "app")!, environment: try ReleaseEffects.string(ctx, "env")!)?.value ?? .null
    }

    static func deploy(_ ctx: EffectContext) throws -> Value {
        let releases = ReleaseEffects.store(ctx)
        let request = ctx.idempotencyKey
        let executor = RunExecutor(store: ctx.store, output: ctx.output, waitPolicy: .wait, user: ctx.startedBy,
                                   stopFlag: ctx.stopFlag)
        var revision = try releases.deploy(request: request)
        if revision == nil {
            var params: [String: String] = [:]
            if let v = ctx.argument("params"), !v.isNil {
                guard case .map(let m) = v else { throw RuntimeError("release.deploy() params: takes a map, got \(v.typeName)") }
                for (k, x) in m.pairs {
                    guard case .string(let name) = k else { throw RuntimeError("release.deploy() params: keys are parameter names, got \(k.repr)") }
                    if case .string(let s) = x { params[name] = s } else { params[name] = try JSON.encode(x) }
                }
            }
            let app = try ReleaseEffects.string(ctx, "app")!
            var file = try ReleaseEffects.string(ctx, "file", optional: true)
            if file == nil, let parent = try ctx.store.run(ctx.runID)?.file,
               (try? Deployer(releases: releases, executor: executor).definitions(in: parent).contains { $0.name == app }) == true {
                file = parent
            }
            let started = try Deployer(releases: releases, executor: executor).start(
                DeployRequest(app: app, version: try ReleaseEffects.string(ctx, "version")!, environment: try ReleaseEffects.string(ctx, "env")!,
                              file: file, params: params, force: try ReleaseEffects.string(ctx, "force", optional: true), request: request),
                wait: true, stop: { try ctx.checkStop() })
            if let f = started.forced { ctx.event("forced past a gate: \(f.description)", kind: .warning) }
            revision = started.revision
            ctx.event("deploying \(app) \(started.revision.version) to \(started.revision.environment.name) (revision \(started.revision.revision), run \(started.revision.runID))")
        }
        let r = revision!
        if r.result == nil { try drive(r, executor: executor, ctx: ctx) }
        guard let done = try releases.deploy(request: request), let result = done.result else {
            throw RuntimeError("release.deploy(): the deploy run \(r.runID) did not finish")
        }
        guard result == .succeeded else {
            // The failed deploy stays in the history, but no longer answers this call: `platflow retry` of the
            // pipeline forgets the failure and calls again, and that must be a new deploy, not this one's echo.
            try releases.forgetRequest(request)
            let why = (try? ctx.store.run(r.runID)?.error).flatMap { $0 }.map { ": " + $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            throw RuntimeError("release.deploy(): deploying \(r.app) \(r.version) to \(r.environment.name) \(result.rawValue) (run \(r.runID))\(why)",
                               hint: "platflow logs \(r.runID)")
        }
        ctx.event("deployed \(r.app) \(r.version) to \(r.environment.name) (revision \(r.revision))")
        return done.value
    }

    /// Executes the deploy's run here until it finishes; when another process executes it (a scheduler took
    /// it over), waits for that one.
    static func drive(_ r: DeployRevision, executor: RunExecutor, ctx: EffectContext) throws {
        while true {
            guard let run = try ctx.store.run(r.runID) else { throw RuntimeError("release.deploy(): the deploy run \(r.runID) is gone") }
            if run.status.isFinished { return }
            switch try executor.execute(r.runID) {
            case .succeeded, .failed, .cancelled:
                return
            case .interrupted:
                throw RunInterruption(reason: .stopped)
            case .parked(let status):
                throw RuntimeError("release.deploy(): the deploy run \(r.runID) is \(status.rawValue)", hint: "platflow resume \(r.runID)")
            case .busy:
                try ctx.waitUntil(RunStore.now() + 0.5)
            }
        }
    }
}
