import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// Artifacts, environments, acceptances and promotions on one database connection and one artifact store.
/// All of the module's SQL is here. Every change is one transaction; input is checked before anything is
/// written, so a refused call leaves no row behind (a blob already copied may stay, unnamed by any row:
/// blobs are content-addressed, so it is only reused or ignored).
public final class ReleaseStore {
    public let db: Database
    public let blobs: BlobStore
    /// Recorded as who pushed, accepted, promoted or forced.
    public var actor: String
    /// Seconds since 1970.
    public var clock: () -> Double

    public init(db: Database, artifactRoot: String, actor: String? = nil,
                clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        self.db = db
        self.blobs = BlobStore(root: artifactRoot)
        self.actor = actor ?? ReleaseStore.defaultActor
        self.clock = clock
    }

    /// Who acts when no one is named: the same user runs record (`PLATFLOW_USER`, `$USER`, else the account).
    public static var defaultActor: String { RunExecutor.currentUser() }

    /// Where the artifacts of the database at `databasePath` live: `$PLATFLOW_ARTIFACTS`, else `artifacts/`
    /// beside the database (`.platflow/artifacts` for the default `.platflow/platflow.db`). Runs and commands
    /// use the same rule, so an artifact pushed from the shell is found by a plan's `release.*` calls.
    public static func defaultRoot(databasePath: String) -> String {
        if let e = ProcessInfo.processInfo.environment["PLATFLOW_ARTIFACTS"], !e.isEmpty { return e }
        let folder = (databasePath as NSString).deletingLastPathComponent
        return (folder.isEmpty ? "." : folder) + "/artifacts"
    }

    // MARK: Artifacts

    /// What `push` did: stored a new version, or found this version already stored with these bits.
    public struct PushResult: Sendable {
        public let artifact: Artifact
        public let alreadyStored: Bool
    }

    /// Stores the file or directory at `path` as `app` `version`. The same version with the same bits is a
    /// no-op; with other bits it is `ReleaseError.versionConflict`.
    public func push(app: String, version text: String, path: String) throws -> PushResult {
        try AppName.check(app)
        let (version, stage) = try Stage.parse(text)
        let stored = try blobs.store(path)
        let name = (URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent)
        return try db.transaction {
            if let existing = try artifactRow(app: app, version: version) {
                guard existing.digest == stored.digest else {
                    throw ReleaseError.versionConflict(app: app, version: existing.version.description,
                                                       stored: existing.digest, offered: stored.digest)
                }
                return PushResult(artifact: existing, alreadyStored: true)
            }
            let a = try insert(app: app, version: version, stage: stage, digest: stored.digest, size: stored.size,
                               kind: stored.kind, name: name, promotedFrom: nil)
            return PushResult(artifact: a, alreadyStored: false)
        }
    }

    private func insert(app: String, version: SemanticVersion, stage: Stage, digest: String, size: Int64, kind: ArtifactKind,
                        name: String, promotedFrom: Artifact?) throws -> Artifact {
        let now = clock()
        try db.execute("""
            INSERT INTO release_artifacts (app, version, version_key, major, minor, patch, prerelease, stage, digest, size,
                                           kind, name, pushed_by, pushed_at, promoted_from)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, app, version.description, version.withoutBuild.description, version.major.intValue.map { Int64($0) },
                       version.minor.intValue.map { Int64($0) }, version.patch.intValue.map { Int64($0) },
                       version.prerelease.map(\.description).joined(separator: "."), stage.name, digest, size, kind.rawValue,
                       name, actor, now, promotedFrom?.id)
        return Artifact(id: db.lastInsertRowID, app: app, version: version, stage: stage, digest: digest, size: size, kind: kind,
                        name: name, pushedBy: actor, pushedAt: now, promotedFrom: promotedFrom?.version.description)
    }

    static let artifactColumns = """
        a.id, a.app, a.version, a.stage, a.digest, a.size, a.kind, a.name, a.pushed_by, a.pushed_at,
        (SELECT p.version FROM release_artifacts p WHERE p.id = a.promoted_from) AS parent
        """

    private func artifact(from row: Row) throws -> Artifact {
        guard let text = row.string("version"), let version = SemanticVersion.valid(text),
              let stage = Stage(name: row.string("stage") ?? ""), let kind = ArtifactKind(rawValue: row.string("kind") ?? "") else {
            throw ReleaseError.storage("release_artifacts row \(row.int("id") ?? 0) is malformed")
        }
        return Artifact(id: row.int("id") ?? 0, app: row.string("app") ?? "", version: version, stage: stage,
                        digest: row.string("digest") ?? "", size: row.int("size") ?? 0, kind: kind, name: row.string("name") ?? "",
                        pushedBy: row.string("pushed_by") ?? "", pushedAt: row.double("pushed_at") ?? 0,
                        promotedFrom: row.string("parent"))
    }

    private func artifactRow(app: String, version: SemanticVersion) throws -> Artifact? {
        try db.queryOne("SELECT \(ReleaseStore.artifactColumns) FROM release_artifacts a WHERE a.app = ? AND a.version_key = ?",
                        app, version.withoutBuild.description).map(artifact(from:))
    }

    /// Every artifact of `app` (or of every app), apps by name, newest version first (SemVer precedence).
    public func artifacts(app: String? = nil) throws -> [Artifact] {
        let rows: [Row]
        if let app {
            rows = try db.query("SELECT \(ReleaseStore.artifactColumns) FROM release_artifacts a WHERE a.app = ?", app)
        } else {
            rows = try db.query("SELECT \(ReleaseStore.artifactColumns) FROM release_artifacts a")
        }
        return try rows.map(artifact(from:)).sorted { x, y in
            if x.app != y.app { return x.app < y.app }
            return SemanticVersion.compare(x.version, y.version) > 0
        }
    }

    /// The names of the apps that have artifacts or environments.
    public func apps() throws -> [String] {
        try db.query("SELECT app FROM release_artifacts UNION SELECT app FROM release_environments ORDER BY app")
            .compactMap { $0.string("app") }
    }

    /// `app` `version` (build metadata ignored), or an input error naming what is unknown: the app (with a
    /// near name), or the version (with the app's newest ones).
    public func artifact(app: String, version text: String) throws -> Artifact {
        let version: SemanticVersion
        do {
            version = try SemanticVersion(parsing: text)
        } catch let e as SemverError {
            throw ReleaseError.invalidInput(e.description, hint: e.hint)
        }
        if let a = try artifactRow(app: app, version: version) { return a }
        try requireKnownApp(app)
        let newest = try artifacts(app: app).prefix(5).map(\.version.description)
        throw ReleaseError.invalidInput("\(app) has no version \(text)", hint: "its newest: \(newest.joined(separator: ", "))")
    }

    /// Throws an input error unless `app` has artifacts or environments.
    public func requireKnownApp(_ app: String) throws {
        let known = try apps()
        if known.contains(app) { return }
        let hint = closestName(to: app, in: known).map { "did you mean '\($0)'?" }
            ?? (known.isEmpty ? "no app has artifacts yet: platflow artifact push APP VERSION FILE" : "apps: \(known.joined(separator: ", "))")
        throw ReleaseError.invalidInput("unknown app '\(app)'", hint: hint)
    }

    /// Re-hashes the bits of each artifact (of `app`, or `app` `version`, or all) and returns the problems of
    /// each; an artifact with none is intact.
    public func verify(app: String? = nil, version: String? = nil) throws -> [(artifact: Artifact, problems: [String])] {
        let list: [Artifact]
        if let app, let version {
            list = [try artifact(app: app, version: version)]
        } else {
            if let app { try requireKnownApp(app) }
            list = try artifacts(app: app)
        }
        return list.map { a in (a, blobs.verify(digest: a.digest, kind: a.kind, size: a.size)) }
    }

    /// Writes `app` `version` to `destination`: into it, under the pushed name, when it is an existing
    /// directory; else as that path. Returns the path written. Damaged bits are refused, not written.
    public func pull(app: String, version: String, to destination: String) throws -> String {
        let a = try artifact(app: app, version: version)
        var target = destination
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDir), isDir.boolValue {
            target = destination + "/" + a.name
        }
        if FileManager.default.fileExists(atPath: target) && a.kind == .dir {
            throw ReleaseError.invalidInput("\(target) exists already", hint: "pull a directory artifact to a new path")
        }
        try blobs.export(digest: a.digest, kind: a.kind, to: target)
        return target
    }

    // MARK: Environments

    /// Records an app's environments and their classes (the app declaration's `envs`), replacing the class of
    /// one already recorded under the same name.
    public func declareEnvironments(app: String, _ environments: [Environment]) throws {
        try AppName.check(app)
        let now = clock()
        try db.transaction {
            for e in environments {
                try db.execute("""
                    INSERT INTO release_environments (app, name, class, declared_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (app, name) DO UPDATE SET class = excluded.class, declared_at = excluded.declared_at
                    """, app, e.name, e.environmentClass.name, now)
            }
        }
    }

    public func environments(app: String) throws -> [Environment] {
        try db.query("SELECT name, class FROM release_environments WHERE app = ? ORDER BY name", app).compactMap { r in
            guard let n = r.string("name"), let c = EnvironmentClass(name: r.string("class") ?? "") else { return nil }
            return Environment(name: n, class: c)
        }
    }

    /// The environment `name` of `app`. With `class`, an unknown name is recorded with that class, and a known
    /// one must have it; without, an unknown name is an input error.
    public func environment(app: String, name: String, class wanted: EnvironmentClass? = nil) throws -> Environment {
        if name.isEmpty { throw ReleaseError.invalidInput("an environment needs a name", hint: "--env test") }
        let known = try environments(app: app)
        if let e = known.first(where: { $0.name == name }) {
            if let wanted, wanted != e.environmentClass {
                throw ReleaseError.invalidInput("\(app)'s environment \(name) is \(e.environmentClass), not \(wanted)",
                                                hint: "leave out the class, or name another environment")
            }
            return e
        }
        guard let wanted else {
            let hint = closestName(to: name, in: known.map(\.name)).map { "did you mean '\($0)'?" }
                ?? "declare it in the app's envs, or give its class: --class test|staging|production"
            throw ReleaseError.invalidInput("unknown environment '\(name)' of \(app)", hint: hint)
        }
        let e = Environment(name: name, class: wanted)
        try declareEnvironments(app: app, [e])
        return e
    }

    // MARK: Policies

    /// Records `app`'s stage policy (the app declaration's `policy:`); `nil` goes back to the standard one.
    public func setPolicy(app: String, _ policy: StagePolicy?) throws {
        try AppName.check(app)
        guard let policy, policy != .standard else {
            try db.execute("DELETE FROM release_policies WHERE app = ?", app)
            return
        }
        try db.execute("""
            INSERT INTO release_policies (app, policy, set_at) VALUES (?, ?, ?)
            ON CONFLICT (app) DO UPDATE SET policy = excluded.policy, set_at = excluded.set_at
            """, app, try ValueCodec.encode(policy.value), clock())
    }

    /// The stage policy of `app`: the one recorded for it, else the standard one.
    public func policy(app: String) throws -> StagePolicy {
        guard let text = try db.queryOne("SELECT policy FROM release_policies WHERE app = ?", app)?.string("policy") else {
            return .standard
        }
        return try StagePolicy(overriding: try ValueCodec.decode(text))
    }

    // MARK: Acceptance

    /// Records that the bits of `app` `version` passed acceptance in `environment` (see `environment(app:name:class:)`),
    /// with the digest of an evidence file (stored in the artifact store too) when one is given.
    public func accept(app: String, version: String, environment envName: String, class wanted: EnvironmentClass? = nil,
                       evidence: String? = nil) throws -> Acceptance {
        let a = try artifact(app: app, version: version)
        // An unknown environment without a class is refused before the evidence is read.
        if wanted == nil { _ = try environment(app: app, name: envName) }
        var evidenceDigest: String? = nil
        var evidenceName: String? = nil
        if let evidence {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: evidence, isDirectory: &isDir), !isDir.boolValue else {
                throw ReleaseError.invalidInput("no such evidence file: \(evidence)", hint: "--evidence takes a file (a test report)")
            }
            evidenceDigest = try blobs.store(evidence).digest
            evidenceName = URL(fileURLWithPath: evidence).lastPathComponent
        }
        let now = clock()
        return try db.transaction {
            let env = try environment(app: app, name: envName, class: wanted)
            try db.execute("""
                INSERT INTO release_acceptances (app, artifact_id, version, digest, environment, class, accepted_by, accepted_at,
                                                 evidence_digest, evidence_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, app, a.id, a.version.description, a.digest, env.name, env.environmentClass.name, actor, now,
                           evidenceDigest, evidenceName)
            return Acceptance(app: app, version: a.version.description, digest: a.digest, environment: env, who: actor, at: now,
                              evidenceDigest: evidenceDigest)
        }
    }

    /// The acceptances of `app` (of one digest when given), oldest first.
    public func acceptances(app: String, digest: String? = nil) throws -> [Acceptance] {
        let rows = digest == nil
            ? try db.query("SELECT * FROM release_acceptances WHERE app = ? ORDER BY id", app)
            : try db.query("SELECT * FROM release_acceptances WHERE app = ? AND digest = ? ORDER BY id", app, digest)
        return rows.compactMap { r in
            guard let c = EnvironmentClass(name: r.string("class") ?? "") else { return nil }
            return Acceptance(app: app, version: r.string("version") ?? "", digest: r.string("digest") ?? "",
                              environment: Environment(name: r.string("environment") ?? "", class: c),
                              who: r.string("accepted_by") ?? "", at: r.double("accepted_at") ?? 0,
                              evidenceDigest: r.string("evidence_digest"))
        }
    }

    // MARK: Promotion

    /// What `promote` did: the artifact under its new name, whether it existed already (a promotion of these
    /// bits to that stage was made before), and the refusal passed with `--force`, if one was.
    public struct PromoteResult: Sendable {
        public let artifact: Artifact
        public let alreadyPromoted: Bool
        public let forced: GateRefusal?
    }

    /// Gives the bits of `app` `version` the next name of stage `to`: `1.4.0-alpha.3` → `1.4.0-beta.1` (the
    /// next free beta number of 1.4.0) → `1.4.0`, when `policy` (by default the app's) allows it (or `force` gives a reason, which is
    /// recorded). Promoting bits that already carry a name of that stage and version returns that name.
    public func promote(app: String, version: String, to stage: Stage, policy given: StagePolicy? = nil,
                        force: String? = nil) throws -> PromoteResult {
        let policy = try given ?? self.policy(app: app)
        let source = try artifact(app: app, version: version)
        guard stage > source.stage else {
            throw ReleaseError.invalidInput(
                "\(app) \(source.version) is \(source.stage) already: a promotion goes forward (alpha → beta → rc → release)",
                hint: source.stage == .release ? "a release is the last stage" : "promote it to one of: \(Stage.allCases.filter { $0 > source.stage }.map(\.name).joined(separator: ", "))")
        }
        return try db.transaction {
            let v = source.version
            let siblings = try artifacts(app: app).filter {
                $0.stage == stage && $0.version.major == v.major && $0.version.minor == v.minor && $0.version.patch == v.patch
            }
            if let same = siblings.first(where: { $0.digest == source.digest }) {
                return PromoteResult(artifact: same, alreadyPromoted: true, forced: nil)
            }
            let target: SemanticVersion
            if stage == .release {
                target = SemanticVersion(major: v.major, minor: v.minor, patch: v.patch)
                if let existing = siblings.first {
                    throw ReleaseError.versionConflict(app: app, version: existing.version.description, stored: existing.digest, offered: source.digest)
                }
            } else {
                let next = (siblings.compactMap { Stage.number(of: $0.version) }.max() ?? 0) + 1
                target = SemanticVersion(major: v.major, minor: v.minor, patch: v.patch,
                                         prerelease: [.alphanumeric(stage.name), .numeric(VersionNumber(next))])
            }
            let decision = ReleaseGates.checkPromotion(app: app, version: v.description, digest: source.digest, from: source.stage,
                                                       to: stage, acceptances: try acceptances(app: app, digest: source.digest),
                                                       policy: policy)
            let forced = try decision.enforce(force: force)
            if let forced, let force { try recordOverride(forced, reason: force) }
            let a = try insert(app: app, version: target, stage: stage, digest: source.digest, size: source.size, kind: source.kind,
                               name: source.name, promotedFrom: source)
            return PromoteResult(artifact: a, alreadyPromoted: false, forced: forced)
        }
    }

    /// The chain of versions the bits of `app` `version` were promoted through, oldest first, ending with it.
    public func lineage(app: String, version: String) throws -> [Artifact] {
        var chain = [try artifact(app: app, version: version)]
        while let parent = chain[0].promotedFrom, chain.count < 16 {
            chain.insert(try artifact(app: app, version: parent), at: 0)
        }
        return chain
    }

    // MARK: Overrides

    /// One gate passed with `--force`.
    public struct Override: Sendable, Equatable {
        public let app: String
        public let version: String
        public let action: String
        public let environment: String?
        public let rule: String
        public let refusal: String
        public let reason: String
        public let who: String
        public let at: Double
    }

    /// Records that `refusal` was overridden for `reason`: every forced gate leaves this trace.
    public func recordOverride(_ refusal: GateRefusal, reason: String) throws {
        try db.execute("""
            INSERT INTO release_overrides (app, version, digest, action, environment, rule, refusal, reason, forced_by, forced_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, refusal.app, refusal.version, refusal.digest, refusal.action, refusal.environment?.name, refusal.rule.name,
                       refusal.description, reason, actor, clock())
    }

    public func overrides(app: String) throws -> [Override] {
        try db.query("SELECT * FROM release_overrides WHERE app = ? ORDER BY id", app).map { r in
            Override(app: app, version: r.string("version") ?? "", action: r.string("action") ?? "", environment: r.string("environment"),
                     rule: r.string("rule") ?? "", refusal: r.string("refusal") ?? "", reason: r.string("reason") ?? "",
                     who: r.string("forced_by") ?? "", at: r.double("forced_at") ?? 0)
        }
    }
}
