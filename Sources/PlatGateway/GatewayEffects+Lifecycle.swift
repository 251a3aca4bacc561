import Foundation
import PlatEngine
import PlatLang

/// `gateway.apply("shop", version: "1.2.0")`: stores the `gateway "shop" { ... }` declaration of the run's own
/// file as the gateway's definition (and, with `version`, snapshots it). It changes only the database, so it is
/// transactional: exactly once. A version that exists already with the same resources is taken as done (a plan
/// run twice); with other resources it is an error, as versions are immutable.
final class ApplyEffect: DurableEffect {
    let spec = EffectSpec(name: "gateway.apply", params: ["gateway", "version", "comment"], required: 1,
                          summary: "stores the gateway declared in this file (and with version: snapshots it); returns {gateway, stages, resources, version}")
    let kind: EffectKind = .transactional

    func perform(_ ctx: EffectContext) throws -> Value {
        let name = try ctx.args.require("gateway", .string)
        let version: String? = try ctx.args.get("version", .string)
        guard let file = try ctx.store.run(ctx.runID)?.file else { throw RuntimeError("gateway.apply(): the run has no file") }
        let registry = ctx.store.modules.effects
        let module = try Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations).load(path: file)
        let read = GatewayDeclaration.read(module.declarations, file: file)
        if let p = read.problems.first { throw RuntimeError("gateway.apply(): \(p.message)", hint: p.hint) }
        guard let d = read.gateways.first(where: { $0.name == name }) else {
            throw RuntimeError("gateway.apply(): \(file) declares no gateway \"\(name)\"",
                               hint: closestName(to: name, in: read.gateways.map(\.name)).map { "did you mean \"\($0)\"?" }
                                   ?? "declare it: gateway \"\(name)\" { stages: {...}, resources: {...} }")
        }
        let store = GatewayStore(db: ctx.store.db, actor: GatewayEffects.actor(ctx))
        do {
            try store.put(d)
            if let version {
                if let existing = try? store.version(gateway: name, version) {
                    guard existing.resources == d.resources else {
                        throw GatewayError.invalidInput("gateway '\(name)' version \(version) exists already with other resources: versions are immutable",
                                                        hint: "declare a new version")
                    }
                } else {
                    _ = try store.createVersion(gateway: name, version: version, comment: try ctx.args.get("comment", .string) ?? "")
                }
            }
        } catch let e as GatewayError {
            throw GatewayEffects.runtimeError("gateway.apply", e)
        }
        ctx.event("applied gateway \(name): \(d.stages.count) stage(s), \(d.resources.count) resource(s)" + (version.map { ", version \($0)" } ?? ""))
        return .makeMap([("gateway", .string(name)), ("stages", .list(d.stages.map { .string($0.name) })),
                         ("resources", .list(d.resources.map { .string($0.name) })), ("version", version.map { .string($0) } ?? .null)])
    }
}

/// `gateway.rollback("shop", stage: "prod", force: "reason")`: points the stage back at the version it served
/// before, through the same gate and data plane as a publish. External (nginx): a resumed call that finds the
/// stage's newest release to be a rollback this run made returns it.
final class RollbackEffect: DurableEffect {
    let spec = EffectSpec(name: "gateway.rollback", params: ["gateway", "stage", "force"], required: 2,
                          summary: "points a gateway stage back at the version it served before; returns the release map")
    let kind: EffectKind = .external

    func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        (["would roll back a gateway stage to the version it served before"], .null)
    }

    func perform(_ ctx: EffectContext) throws -> Value {
        let gateway = try ctx.args.require("gateway", .string), stage = try ctx.args.require("stage", .string)
        let store = GatewayStore(db: ctx.store.db, actor: GatewayEffects.actor(ctx))
        do {
            if ctx.inFlight != nil, let cur = try store.current(gateway: gateway, stage: stage), cur.action == .rollback, cur.who == store.actor {
                return PublishEffect.value(cur)
            }
            let r = try GatewayPublisher(store: store, plane: GatewayEffects.plane())
                .rollback(gateway: gateway, stage: stage, force: try ctx.args.get("force", .string))
            ctx.event("rolled back \(gateway) \(stage) to \(r.version) (release \(r.id))")
            return PublishEffect.value(r)
        } catch let e as GatewayError {
            throw GatewayEffects.runtimeError("gateway.rollback", e)
        }
    }
}

/// `gateway.offline("shop", ["get_order"], stage: "test")` and `gateway.online(...)`: resources answer 503 (or
/// serve again) on a stage. External (nginx); doing it twice leaves the same state, so a resumed call simply
/// applies it again.
final class OfflineEffect: DurableEffect {
    let offline: Bool
    let spec: EffectSpec
    let kind: EffectKind = .external

    init(offline: Bool) {
        self.offline = offline
        spec = EffectSpec(name: offline ? "gateway.offline" : "gateway.online", params: ["gateway", "resources", "stage"], required: 3,
                          summary: offline ? "takes resources of a gateway stage offline (they answer 503); returns the release map"
                                           : "brings offline resources of a gateway stage back; returns the release map")
    }

    func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        (["would take gateway resources \(offline ? "offline" : "back online")"], .null)
    }

    func perform(_ ctx: EffectContext) throws -> Value {
        let gateway = try ctx.args.require("gateway", .string), stage = try ctx.args.require("stage", .string)
        let resources: [String]
        if case .string(let one)? = ctx.argument("resources") { resources = [one] } else { resources = try ctx.args.require("resources", .strings) }
        let store = GatewayStore(db: ctx.store.db, actor: GatewayEffects.actor(ctx))
        do {
            let r = try GatewayPublisher(store: store, plane: GatewayEffects.plane())
                .setOffline(gateway: gateway, stage: stage, resources: resources, offline: offline)
            ctx.event("\(spec.name.dropFirst(8)) on \(gateway) \(stage): \(resources.joined(separator: ", "))")
            return PublishEffect.value(r)
        } catch let e as GatewayError {
            throw GatewayEffects.runtimeError(spec.name, e)
        }
    }
}
