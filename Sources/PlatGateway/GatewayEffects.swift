import Foundation
import PlatEngine
import PlatLang

/// The gateway in .plat: `gateway.apply`, `gateway.rollback`, `gateway.offline` and `gateway.online` (in
/// GatewayEffects+Lifecycle.swift) and, here, `gateway.publish("shop", "1.2.0", stage: "prod", force: "reason")`,
/// so a deploy plan registers what it deployed. It applies to the nginx prefix in `$PLATFLOW_GATEWAY_PREFIX` when that is set
/// (else it records the release only, as the CLI without --prefix does). Publishing touches nginx, outside the
/// database, so it is an external effect: at least once. A resumed call that finds the stage already serving
/// the version returns that release instead of publishing again. A gate refusal is a runtime error naming
/// the rule and its remedy.
enum GatewayEffects {
    static func all() -> [DurableEffect] {
        [ApplyEffect(), PublishEffect(), RollbackEffect(), OfflineEffect(offline: true), OfflineEffect(offline: false)]
    }

    /// Who a run records as acting.
    static func actor(_ ctx: EffectContext) -> String {
        "run \(ctx.runID)" + (ctx.startedBy.isEmpty ? "" : " (\(ctx.startedBy))")
    }

    /// The nginx prefix in $PLATFLOW_GATEWAY_PREFIX with the port `serve` recorded there; nil: record only.
    static func plane() -> NginxDataPlane? {
        guard let prefix = ProcessInfo.processInfo.environment["PLATFLOW_GATEWAY_PREFIX"], !prefix.isEmpty,
              let port = NginxDataPlane.recordedPort(prefix: prefix) else { return nil }
        return NginxDataPlane(prefix: prefix, port: port)
    }

    /// A gateway error as the run's error, with the effect's name.
    static func runtimeError(_ name: String, _ e: GatewayError) -> RuntimeError {
        if case .gateRefused(let r) = e { return RuntimeError("\(name)(): \(r.description)") }
        return RuntimeError("\(name)(): \(e.message)", hint: e.hint)
    }
}

final class PublishEffect: DurableEffect {
    let spec = EffectSpec(name: "gateway.publish", params: ["gateway", "version", "stage", "force"], required: 3,
                          summary: "points a gateway stage at a version (through the production gate) and applies it to nginx; returns the release map")
    let kind: EffectKind = .external

    static func value(_ r: GatewayRelease) -> Value {
        .makeMap([("id", .int(Int(r.id))), ("gateway", .string(r.gateway)), ("stage", .string(r.stage)), ("version", .string(r.version)),
                  ("action", .string(r.action.rawValue)), ("status", .string(r.status)), ("forced", r.forced.map { .string($0) } ?? .null),
                  ("who", .string(r.who)), ("at", .float(r.at))])
    }

    func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let arg = call.shownString
        return (["would publish gateway \(arg("gateway")) \(arg("version")) to stage \(arg("stage")) if its gate allows"],
                .makeMap([("gateway", .string(arg("gateway"))), ("version", .string(arg("version"))), ("stage", .string(arg("stage")))]))
    }

    func perform(_ ctx: EffectContext) throws -> Value {
        let gateway = try ctx.args.require("gateway", .string), version = try ctx.args.require("version", .string)
        let stage = try ctx.args.require("stage", .string)
        let force: String? = try ctx.args.get("force", .string)
        let store = GatewayStore(db: ctx.store.db, actor: GatewayEffects.actor(ctx))
        do {
            if ctx.inFlight != nil, let cur = try store.current(gateway: gateway, stage: stage), cur.version == version {
                return PublishEffect.value(cur)
            }
            let r = try GatewayPublisher(store: store, plane: GatewayEffects.plane()).publish(gateway: gateway, version: version, stage: stage, force: force)
            if let f = r.forced { ctx.event("forced past the production gate: \(f)", kind: .warning) }
            ctx.event("published \(gateway) \(version) to \(stage) (release \(r.id))")
            return PublishEffect.value(r)
        } catch let e as GatewayError {
            throw GatewayEffects.runtimeError("gateway.publish", e)
        }
    }
}
