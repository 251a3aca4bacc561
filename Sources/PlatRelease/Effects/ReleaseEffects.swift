import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// Releases in .plat: `release.push(app, version, path)`, `release.accept(app, version, env: "test")`,
/// `release.promote(app, version, to: "beta")`.
///
/// The artifact store is the one beside the run's database (or `$PLATFLOW_ARTIFACTS`), as for the CLI. A
/// push writes files outside the database, so it is an external effect: at least once, which is safe because
/// the same bits under the same version are a no-op; an acceptance and a promotion are transactional (they
/// commit in the same transaction as their journal entry), so a resumed run never records them twice. A gate refusal is a runtime error that names the rule and what would satisfy it.
enum ReleaseEffects {
    static func all() -> [DurableEffect] {
        [effect(EffectSpec(name: "release.push", params: ["app", "version", "path"], required: 3,
                           summary: "stores a file or directory as an app version (content-addressed); returns the artifact map"),
                kind: .external, body: push),
         effect(EffectSpec(name: "release.accept", params: ["app", "version", "env", "evidence", "class"], required: 3,
                           summary: "records that the version's bits passed acceptance in an environment; returns the acceptance map"),
                kind: .transactional, body: accept),
         effect(EffectSpec(name: "release.promote", params: ["app", "version", "to", "force"], required: 3,
                           summary: "gives the version's bits the next name of a stage (beta, rc, release) when the policy allows; returns the new version"),
                kind: .transactional, body: promote)]
    }

    /// The store of the run's database, acting as `run ID (who started it)`.
    static func store(_ ctx: EffectContext) -> ReleaseStore {
        let db = ctx.store.db
        return ReleaseStore(db: db, artifactRoot: ReleaseStore.defaultRoot(databasePath: db.path),
                            actor: "run \(ctx.runID)" + (ctx.startedBy.isEmpty ? "" : " (\(ctx.startedBy))"))
    }

    static func string(_ ctx: EffectContext, _ name: String, optional: Bool = false) throws -> String? {
        optional ? try ctx.args.get(name, .string) : try ctx.args.require(name, .string)
    }

    static func push(_ ctx: EffectContext) throws -> Value {
        let r = try store(ctx).push(app: try string(ctx, "app")!, version: try string(ctx, "version")!, path: try string(ctx, "path")!)
        ctx.event("\(r.alreadyStored ? "already stored" : "pushed") \(r.artifact.app) \(r.artifact.version) (\(r.artifact.stage), \(ArtifactDigest.short(r.artifact.digest)))")
        return r.artifact.value
    }

    static func accept(_ ctx: EffectContext) throws -> Value {
        let s = store(ctx)
        let cls = try string(ctx, "class", optional: true).map { try EnvironmentClass.parse($0) }
        let a = try s.accept(app: try string(ctx, "app")!, version: try string(ctx, "version")!, environment: try string(ctx, "env")!,
                             class: cls, evidence: try string(ctx, "evidence", optional: true))
        ctx.event("accepted \(a.app) \(a.version) in \(a.environment) (\(ArtifactDigest.short(a.digest)))")
        return .makeMap([
            ("app", .string(a.app)), ("version", .string(a.version)), ("digest", .string(a.digest)),
            ("env", .string(a.environment.name)), ("class", .string(a.environment.environmentClass.name)),
            ("who", .string(a.who)), ("at", .float(a.at)), ("evidence", a.evidenceDigest.map { .string($0) } ?? .null),
        ])
    }

    static func promote(_ ctx: EffectContext) throws -> Value {
        let toText = try string(ctx, "to")!
        guard let to = Stage(name: toText) else {
            throw RuntimeError("release.promote() to: takes beta, rc or release, got \"\(toText)\"")
        }
        let r = try store(ctx).promote(app: try string(ctx, "app")!, version: try string(ctx, "version")!, to: to,
                                       force: try string(ctx, "force", optional: true))
        if let f = r.forced { ctx.event("forced past a gate: \(f.description)", kind: .warning) }
        ctx.event("\(r.alreadyPromoted ? "already promoted" : "promoted") \(r.artifact.app) \(r.artifact.promotedFrom ?? "") → \(r.artifact.version)")
        return .string(r.artifact.version.description)
    }
}

/// How a release effect is made. Release errors become runtime errors of the plan (a gate refusal reads as
/// its rule and remedy); the engine journals each by its kind.
extension ReleaseEffects {
    static func effect(_ spec: EffectSpec, kind: EffectKind, body: @escaping (EffectContext) throws -> Value) -> ClosureEffect {
        ClosureEffect(spec, kind: kind, failure: failure, explain: { explain(spec.name, $0) }, body: body)
    }

    static func failure(_ error: Error) -> ClosureEffect.Failure? {
        switch error {
        case ReleaseError.gateRefused(let r): return (r.description, nil)
        case let e as ReleaseError: return (e.message, e.hint)
        default: return nil
        }
    }

    /// `--explain`: what the call would do, and a stand-in of the shape it returns so the plan can go on.
    static func explain(_ name: String, _ call: EffectCall) -> ClosureEffect.Explanation {
        let arg = call.shownString
        let app = arg("app"), version = arg("version")
        let stage = (try? Stage.parse(version).stage)?.name ?? "?"
        switch name {
        case "release.push":
            return (["would push \(arg("path")) as \(app) \(version) (\(stage))"],
                    .makeMap([("app", .string(app)), ("version", .string(version)), ("stage", .string(stage)),
                              ("digest", .string(ArtifactDigest.prefix + "?")), ("size", .int(0))]))
        case "release.accept":
            return (["would record acceptance of \(app) \(version) in \(arg("env"))"],
                    .makeMap([("app", .string(app)), ("version", .string(version)), ("env", .string(arg("env")))]))
        case "release.deploy", "release.current":
            return DeployEffects.explain(name, app: app, version: version, stage: stage, env: arg("env"))
        default:
            let to = arg("to")
            var next = "?"
            if let v = try? SemanticVersion(parsing: version) {
                let core = "\(v.major).\(v.minor).\(v.patch)"
                next = to == "release" ? core : "\(core)-\(to).N"
            }
            return (["would promote \(app) \(version) to \(to) (\(next)) if its gate allows"], .string(next))
        }
    }
}
