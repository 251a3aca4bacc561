import Foundation
import PlatLang
import PlatRelease
import PlatStore

/// Gateways, stages, resources, versions and releases on one database connection. All of the module's SQL is
/// here. Every change is one transaction, and input is validated before anything is written.
public final class GatewayStore {
    public let db: Database
    public var actor: String
    public var clock: () -> Double

    public init(db: Database, actor: String? = nil, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        self.db = db
        self.actor = actor ?? ReleaseStore.defaultActor
        self.clock = clock
    }

    static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? e.encode(v)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ t: T.Type, _ text: String?, what: String) throws -> T {
        do { return try JSONDecoder().decode(t, from: Data((text ?? "").utf8)) } catch {
            throw GatewayError.failed("the stored \(what) cannot be read: \(error)", hint: nil)
        }
    }

    // MARK: Definitions

    /// Creates or replaces the gateway's definition (its stages and resources) in one transaction. Returns
    /// whether it existed before.
    @discardableResult
    public func put(_ d: GatewayDefinition) throws -> Bool {
        try GatewayValidation.check(d, plugins: try pluginCatalogue())
        return try db.transaction {
            let existed = try db.queryOne("SELECT 1 FROM gateway_gateways WHERE name = ?", d.name) != nil
            try db.execute("""
                INSERT INTO gateway_gateways (name, description, maintainers, default_auth, updated_by, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET description = excluded.description, maintainers = excluded.maintainers,
                    default_auth = excluded.default_auth, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """, d.name, d.description, GatewayStore.encode(d.maintainers), d.defaultAuth.rawValue, actor, clock())
            try db.execute("DELETE FROM gateway_stages WHERE gateway = ?", d.name)
            try db.execute("DELETE FROM gateway_resources WHERE gateway = ?", d.name)
            for s in d.stages {
                try db.execute("INSERT INTO gateway_stages (gateway, name, env, env_class, variables, backends, mock, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               d.name, s.name, s.env, s.envClass, GatewayStore.encode(s.variables), GatewayStore.encode(s.backends), Int64(s.isMock ? 1 : 0),
                               GatewayStore.encode(StageSettings(s)))
            }
            for (i, r) in d.resources.enumerated() {
                try db.execute("INSERT INTO gateway_resources (gateway, name, method, path, definition, position) VALUES (?, ?, ?, ?, ?, ?)",
                               d.name, r.name, r.method, r.path, GatewayStore.encode(r), Int64(i))
            }
            return existed
        }
    }

    /// The names of every gateway, sorted.
    public func names() throws -> [String] {
        try db.query("SELECT name FROM gateway_gateways ORDER BY name").compactMap { $0.string("name") }
    }

    /// The gateway's current definition; unknown names are bad input, with did-you-mean.
    public func definition(_ name: String) throws -> GatewayDefinition {
        guard let g = try db.queryOne("SELECT * FROM gateway_gateways WHERE name = ?", name) else {
            let known = try names()
            let near = closestName(to: name, in: known)
            throw GatewayError.invalidInput("unknown gateway '\(name)'",
                                            hint: near.map { "did you mean '\($0)'?" } ?? (known.isEmpty ? "import one: platflow gateway import FILE" : "known: " + known.joined(separator: ", ")))
        }
        let stages = try db.query("SELECT * FROM gateway_stages WHERE gateway = ? ORDER BY name", name).map { row in
            var stage = GatewayStage(name: row.string("name") ?? "", env: row.string("env"), envClass: row.string("env_class") ?? "test",
                                     variables: try GatewayStore.decode([String: String].self, row.string("variables"), what: "stage variables"),
                                     backends: try GatewayStore.decode([BackendHost].self, row.string("backends"), what: "stage backends"),
                                     mock: row.int("mock") == 1)
            try GatewayStore.decode(StageSettings.self, row.string("settings"), what: "stage settings").apply(to: &stage)
            return stage
        }
        let resources = try db.query("SELECT definition FROM gateway_resources WHERE gateway = ? ORDER BY position", name).map {
            try GatewayStore.decode(GatewayResource.self, $0.string("definition"), what: "resource")
        }
        return GatewayDefinition(name: name, description: g.string("description") ?? "",
                                 maintainers: try GatewayStore.decode([String].self, g.string("maintainers"), what: "maintainers"),
                                 defaultAuth: AuthMode(rawValue: g.string("default_auth") ?? "") ?? .none,
                                 stages: stages, resources: resources)
    }

    /// Deletes the gateway, its versions, history and offline marks. A gateway with a stage serving a version
    /// is refused unless `force` (the data plane keeps serving until it is applied again).
    public func delete(_ name: String, force: Bool = false) throws {
        _ = try definition(name)
        try db.transaction {
            if !force, let r = try db.queryOne("SELECT stage FROM gateway_releases WHERE gateway = ? AND status = 'succeeded' LIMIT 1", name) {
                throw GatewayError.invalidInput("gateway '\(name)' has been published (stage '\(r.string("stage") ?? "")')",
                                                hint: "take it offline first, or pass --force to delete it with its history")
            }
            for t in ["gateway_resources", "gateway_stages", "gateway_versions", "gateway_releases", "gateway_offline"] {
                try db.execute("DELETE FROM \(t) WHERE gateway = ?", name)
            }
            try db.execute("DELETE FROM gateway_gateways WHERE name = ?", name)
        }
    }

    // MARK: Versions

    /// Snapshots the gateway's resources as `version` (SemVer; the pre-release names a release stage: alpha,
    /// beta, rc or none). A version is immutable: the same name again is refused.
    public func createVersion(gateway: String, version text: String, comment: String = "") throws -> ResourceVersion {
        let (version, _) = try parseVersion(text)
        return try db.transaction {
            let d = try definition(gateway)
            guard !d.resources.isEmpty else {
                throw GatewayError.invalidInput("gateway '\(gateway)' has no resources to snapshot", hint: "add resources and import it again")
            }
            if try db.queryOne("SELECT 1 FROM gateway_versions WHERE gateway = ? AND version_key = ?", gateway, version.withoutBuild.description) != nil {
                throw GatewayError.invalidInput("gateway '\(gateway)' version \(version) exists already: versions are immutable",
                                                hint: "create a new version (bump the patch or the pre-release number)")
            }
            let v = ResourceVersion(gateway: gateway, version: version.description, defaultAuth: d.defaultAuth, resources: d.resources,
                                    comment: comment, createdBy: actor, createdAt: clock())
            try db.execute("""
                INSERT INTO gateway_versions (gateway, version, version_key, snapshot, comment, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, gateway, v.version, version.withoutBuild.description, GatewayStore.encode(v), comment, actor, v.createdAt)
            return v
        }
    }

    func parseVersion(_ text: String) throws -> (SemanticVersion, Stage) {
        do { return try Stage.parse(text) } catch let e as ReleaseError {
            throw GatewayError.invalidInput(e.message, hint: e.hint)
        }
    }

    /// One version of a gateway.
    public func version(gateway: String, _ text: String) throws -> ResourceVersion {
        let (version, _) = try parseVersion(text)
        guard let row = try db.queryOne("SELECT snapshot FROM gateway_versions WHERE gateway = ? AND version_key = ?",
                                        gateway, version.withoutBuild.description) else {
            _ = try definition(gateway)
            let known = try versions(gateway: gateway).map(\.version)
            throw GatewayError.invalidInput("gateway '\(gateway)' has no version \(text)",
                                            hint: known.isEmpty ? "create one: platflow gateway version create \(gateway) 1.0.0" : "known: " + known.joined(separator: ", "))
        }
        return try GatewayStore.decode(ResourceVersion.self, row.string("snapshot"), what: "version")
    }

    /// Every version of the gateway, newest (by SemVer precedence) first.
    public func versions(gateway: String) throws -> [ResourceVersion] {
        try db.query("SELECT snapshot FROM gateway_versions WHERE gateway = ?", gateway)
            .map { try GatewayStore.decode(ResourceVersion.self, $0.string("snapshot"), what: "version") }
            .sorted { a, b in
                guard let x = SemanticVersion.valid(a.version), let y = SemanticVersion.valid(b.version) else { return a.version > b.version }
                return SemanticVersion.compare(x, y) > 0
            }
    }

    // MARK: Releases

    func release(from row: Row) -> GatewayRelease {
        GatewayRelease(id: row.int("id") ?? 0, gateway: row.string("gateway") ?? "", stage: row.string("stage") ?? "",
                       version: row.string("version") ?? "", action: ReleaseAction(rawValue: row.string("action") ?? "") ?? .publish,
                       status: row.string("status") ?? "", forced: row.string("forced"), note: row.string("note") ?? "",
                       who: row.string("who") ?? "", at: row.double("at") ?? 0)
    }

    /// Every release of the gateway (optionally of one stage), oldest first.
    public func history(gateway: String, stage: String? = nil) throws -> [GatewayRelease] {
        _ = try definition(gateway)
        if let stage {
            return try db.query("SELECT * FROM gateway_releases WHERE gateway = ? AND stage = ? ORDER BY id", gateway, stage).map(release(from:))
        }
        return try db.query("SELECT * FROM gateway_releases WHERE gateway = ? ORDER BY id", gateway).map(release(from:))
    }

    /// The publish or rollback that the stage serves now: its latest that succeeded.
    public func current(gateway: String, stage: String) throws -> GatewayRelease? {
        try db.queryOne("""
            SELECT * FROM gateway_releases WHERE gateway = ? AND stage = ? AND status = 'succeeded' AND action IN ('publish', 'rollback')
            ORDER BY id DESC LIMIT 1
            """, gateway, stage).map(release(from:))
    }

    /// The resources taken offline on a stage.
    public func offline(gateway: String, stage: String) throws -> Set<String> {
        Set(try db.query("SELECT resource FROM gateway_offline WHERE gateway = ? AND stage = ?", gateway, stage).compactMap { $0.string("resource") })
    }

    /// The production gate: a version reaches a stage of class production only after it was published with
    /// success to a stage of class test, and a version whose pre-release stage may not reach the class
    /// (alpha in staging) is refused; both through Release's `ReleaseGates.check` with the gateway's
    /// policy. The gateway's successful publishes to test stages stand for acceptances of the version.
    public func gate(gateway d: GatewayDefinition, version v: ResourceVersion, stage s: GatewayStage) throws -> GateDecision {
        let (semver, relStage) = try parseVersion(v.version)
        let digest = "gateway:\(d.name)@\(semver.withoutBuild)"
        let testStages = Set(d.stages.filter { $0.envClass == EnvironmentClass.test.name }.map(\.name))
        let accepted = try db.query("""
            SELECT stage, who, at FROM gateway_releases WHERE gateway = ? AND version = ? AND status = 'succeeded' AND action = 'publish'
            """, d.name, v.version).filter { testStages.contains($0.string("stage") ?? "") }.map { row in
            Acceptance(app: d.name, version: v.version, digest: digest,
                       environment: Environment(name: row.string("stage") ?? "", class: .test), who: row.string("who") ?? "", at: row.double("at") ?? 0)
        }
        return ReleaseGates.check(app: "gateway \(d.name)", version: v.version, digest: digest, stage: relStage,
                                  environment: s.environment, acceptances: accepted, policy: GatewayStore.policy)
    }

    /// Release's stage policy as the gateway applies it: any stage may reach test; alpha stops there; beta and
    /// rc may reach staging; a release reaches production after a successful publish to a test stage.
    public static let policy = StagePolicy(rules: [
        .alpha: StageRule(environments: [.test]),
        .beta: StageRule(environments: [.test, .staging]),
        .rc: StageRule(environments: [.test, .staging]),
        .release: StageRule(environments: [.test, .staging, .production], needsAcceptanceIn: .test),
    ])

    /// What a publish will serve, once the gate passed: handed to the data plane before it is recorded.
    public struct Plan: Sendable {
        public let definition: GatewayDefinition
        public let stage: GatewayStage
        public let version: ResourceVersion
        public let forced: GateRefusal?
        /// The id this release is recorded under (its row is `pending` while the data plane is applied).
        public let releaseID: Int64
    }

    /// Points `stage` at `version`: validates, asks the gate (for production stages), lets `apply` bring the
    /// data plane to the new state, and records the release as succeeded, or as failed (and rethrows) when
    /// `apply` throws. A gate refusal records nothing (exit 4) unless `force` gives a reason.
    @discardableResult
    public func publish(gateway: String, version text: String, stage stageName: String, force: String? = nil,
                        action: ReleaseAction = .publish, apply: (Plan) throws -> Void = { _ in }) throws -> GatewayRelease {
        let d = try definition(gateway)
        guard let s = d.stage(stageName) else {
            throw GatewayError.invalidInput("gateway '\(gateway)' has no stage '\(stageName)'",
                                            hint: closestName(to: stageName, in: d.stages.map(\.name)).map { "did you mean '\($0)'?" } ?? "stages: " + d.stages.map(\.name).joined(separator: ", "))
        }
        let v = try version(gateway: gateway, text)
        // Plugins may have been installed, upgraded or removed since the version was made: check it against
        // today's catalogue before anything is recorded.
        let catalogue = try pluginCatalogue()
        for r in v.resources { try catalogue.check(r, auth: v.auth(of: r), owner: "resource '\(r.name)'") }
        for r in v.resources where r.backends.isEmpty && s.backends.isEmpty && !s.isMock {
            throw GatewayError.field("resource '\(r.name)'", "backends", "are empty and stage '\(s.name)' has none")
        }
        var forced: GateRefusal?
        if s.environment.environmentClass == .production {
            let decision = try gate(gateway: d, version: v, stage: s)
            if case .refused(let r) = decision {
                guard let force, !force.trimmingCharacters(in: .whitespaces).isEmpty else { throw GatewayError.gateRefused(r) }
                forced = r
            }
        }
        let pending = try record(gateway: gateway, stage: stageName, version: v.version, action: action, status: "pending",
                                 forced: forced == nil ? nil : force, note: forced?.message ?? "")
        do {
            try apply(Plan(definition: d, stage: s, version: v, forced: forced, releaseID: pending.id))
        } catch {
            let note = (error as? GatewayError)?.message ?? "\(error)"
            try db.execute("UPDATE gateway_releases SET status = 'failed', note = ? WHERE id = ?", note, pending.id)
            throw error
        }
        try db.execute("""
            UPDATE gateway_releases SET status = 'succeeded', event_seq = (SELECT COALESCE(MAX(event_seq), 0) + 1 FROM gateway_releases)
            WHERE id = ?
            """, pending.id)
        var done = pending
        done.status = "succeeded"
        return done
    }

    /// Points the stage back at the version it served before its current one.
    @discardableResult
    public func rollback(gateway: String, stage: String, force: String? = nil, apply: (Plan) throws -> Void = { _ in }) throws -> GatewayRelease {
        guard let now = try current(gateway: gateway, stage: stage) else {
            throw GatewayError.invalidInput("stage '\(stage)' of gateway '\(gateway)' serves nothing yet", hint: "publish a version first")
        }
        let earlier = try db.query("""
            SELECT version FROM gateway_releases WHERE gateway = ? AND stage = ? AND status = 'succeeded' AND action IN ('publish', 'rollback')
              AND id < ? ORDER BY id DESC
            """, gateway, stage, now.id).compactMap { $0.string("version") }.first { $0 != now.version }
        guard let target = earlier else {
            throw GatewayError.invalidInput("stage '\(stage)' of gateway '\(gateway)' has served only \(now.version)", hint: "nothing to roll back to")
        }
        return try publish(gateway: gateway, version: target, stage: stage, force: force, action: .rollback, apply: apply)
    }

    /// Takes resources offline (or back online) on a stage: they answer 503 with a JSON body until brought back.
    /// `apply` re-renders the data plane; the change and the history entry are one transaction after it.
    @discardableResult
    public func setOffline(gateway: String, stage: String, resources: [String], offline: Bool,
                           apply: (Set<String>, Int64) throws -> Void = { _, _ in }) throws -> GatewayRelease {
        let d = try definition(gateway)
        guard d.stage(stage) != nil else { throw GatewayError.invalidInput("gateway '\(gateway)' has no stage '\(stage)'", hint: "stages: " + d.stages.map(\.name).joined(separator: ", ")) }
        guard let cur = try current(gateway: gateway, stage: stage) else {
            throw GatewayError.invalidInput("stage '\(stage)' of gateway '\(gateway)' serves nothing yet", hint: "publish a version first")
        }
        let served = try version(gateway: gateway, cur.version)
        for r in resources where !served.resources.contains(where: { $0.name == r }) {
            throw GatewayError.invalidInput("version \(cur.version) on stage '\(stage)' has no resource '\(r)'",
                                            hint: closestName(to: r, in: served.resources.map(\.name)).map { "did you mean '\($0)'?" })
        }
        var set = try self.offline(gateway: gateway, stage: stage)
        if offline { set.formUnion(resources) } else { set.subtract(resources) }
        let pending = try record(gateway: gateway, stage: stage, version: cur.version, action: offline ? .offline : .online,
                                 status: "pending", forced: nil, note: resources.sorted().joined(separator: ", "))
        do { try apply(set, pending.id) } catch {
            try db.execute("UPDATE gateway_releases SET status = 'failed' WHERE id = ?", pending.id)
            throw error
        }
        return try db.transaction {
            for r in resources {
                if offline {
                    try db.execute("INSERT OR IGNORE INTO gateway_offline (gateway, stage, resource) VALUES (?, ?, ?)", gateway, stage, r)
                } else {
                    try db.execute("DELETE FROM gateway_offline WHERE gateway = ? AND stage = ? AND resource = ?", gateway, stage, r)
                }
            }
            try db.execute("UPDATE gateway_releases SET status = 'succeeded' WHERE id = ?", pending.id)
            var done = pending
            done.status = "succeeded"
            return done
        }
    }

    private func record(gateway: String, stage: String, version: String, action: ReleaseAction, status: String,
                        forced: String?, note: String) throws -> GatewayRelease {
        let now = clock()
        try db.execute("""
            INSERT INTO gateway_releases (gateway, stage, version, action, status, forced, note, who, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, gateway, stage, version, action.rawValue, status, forced, note, actor, now)
        return GatewayRelease(id: db.lastInsertRowID, gateway: gateway, stage: stage, version: version, action: action,
                              status: status, forced: forced, note: note, who: actor, at: now)
    }

    /// What every stage of every gateway serves now, for rendering the whole data plane.
    public func served() throws -> [ServedStage] {
        var out: [ServedStage] = []
        for name in try names() {
            let d = try definition(name)
            for s in d.stages {
                guard let cur = try current(gateway: name, stage: s.name) else { continue }
                let last = try db.queryOne("SELECT MAX(id) AS id FROM gateway_releases WHERE gateway = ? AND stage = ? AND status = 'succeeded'",
                                           name, s.name)?.int("id") ?? cur.id
                out.append(ServedStage(gateway: d, stage: s, version: try version(gateway: name, cur.version),
                                       offline: try offline(gateway: name, stage: s.name), releaseID: last))
            }
        }
        return out
    }
}

/// What a stage row keeps beyond its columns (migration 5): settings added after the table was made.
struct StageSettings: Codable {
    var rateLimits: [String: [String: String]]?
    var nginx: StageNginx?

    init(_ s: GatewayStage) {
        rateLimits = s.rateLimits
        nginx = s.nginx
    }

    func apply(to s: inout GatewayStage) {
        s.rateLimits = rateLimits
        s.nginx = nginx
    }
}

/// One stage of one gateway with the version it serves: the renderer's input.
public struct ServedStage: Sendable {
    public var gateway: GatewayDefinition
    public var stage: GatewayStage
    public var version: ResourceVersion
    public var offline: Set<String>
    /// The id of the stage's latest change (publish, rollback, offline, online): what the probe route answers,
    /// so a reload that kept the old configuration is caught.
    public var releaseID: Int64

    public init(gateway: GatewayDefinition, stage: GatewayStage, version: ResourceVersion, offline: Set<String> = [], releaseID: Int64) {
        self.gateway = gateway
        self.stage = stage
        self.version = version
        self.offline = offline
        self.releaseID = releaseID
    }
}
