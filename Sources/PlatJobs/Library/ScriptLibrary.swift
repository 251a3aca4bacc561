import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// The versioned script library: `platflow script add/publish/disable/list/show`, `script("name")` in .plat.
/// A version is a draft (editable), then online (at most one per script: the one `script("name")` uses), then
/// offline (replaced by a newer online version) or disabled (never runnable again).
public struct ScriptLibrary {
    public let db: Database
    public init(db: Database) { self.db = db }

    public static let migrations = [
        Migration(module: "jobs_library", version: 1, sql: """
            CREATE TABLE jobs_script_versions (
                name TEXT NOT NULL,
                version INTEGER NOT NULL,
                lang TEXT NOT NULL,
                body TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                created_by TEXT NOT NULL,
                PRIMARY KEY (name, version)
            );
            """),
    ]

    public struct Version: Sendable {
        public let name: String
        public let version: Int
        public let lang: ScriptLanguage
        public let body: String
        public let status: String
        public let updatedAt: Double

        public var value: Value {
            Value.makeMap([("name", .string(name)), ("version", .int(version)), ("lang", .string(lang.rawValue)),
                           ("body", .string(body)), ("status", .string(status))])
        }
    }

    static func version(_ r: Row) -> Version {
        Version(name: r.string("name") ?? "", version: Int(r.int("version") ?? 0),
                lang: ScriptLanguage(rawValue: r.string("lang") ?? "") ?? .bash, body: r.string("body") ?? "",
                status: r.string("status") ?? "", updatedAt: r.double("updated_at") ?? 0)
    }

    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw EngineError(.usage, "script name '\(name)' may hold only letters, digits, '-', '_' and '.'")
        }
    }

    /// Adds a draft: version 1 of a new script, or the next version of an existing one. When the newest
    /// version is still a draft, it is replaced instead (only drafts are editable). Text and language identical to
    /// the newest version (unless that one is disabled, never runnable again) change nothing.
    @discardableResult
    public func add(name: String, body: String, lang: ScriptLanguage, by user: String) throws -> Version {
        try save(name: name, body: body, lang: lang, by: user).version
    }

    /// `add`, saying whether it changed nothing (`unchanged`: the newest version already holds this text).
    public func save(name: String, body: String, lang: ScriptLanguage, by user: String) throws -> (version: Version, unchanged: Bool) {
        try ScriptLibrary.checkName(name)
        return try db.transaction {
            let now = Date().timeIntervalSince1970
            let latest = try db.queryOne("SELECT * FROM jobs_script_versions WHERE name = ? ORDER BY version DESC LIMIT 1", name)
                .map(ScriptLibrary.version)
            // A repeated `script add` of the same file (a deploy script run twice) must not pile up versions.
            if let latest, latest.status != "disabled", latest.body == body, latest.lang == lang {
                return (latest, true)
            }
            if let latest, latest.status == "draft" {
                try db.execute("UPDATE jobs_script_versions SET body = ?, lang = ?, updated_at = ? WHERE name = ? AND version = ?",
                               body, lang.rawValue, now, name, latest.version)
                return (try get(name, version: latest.version), false)
            }
            let next = Int(try db.queryOne("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM jobs_script_versions WHERE name = ?", name)?
                .int("v") ?? 1)
            try db.execute("""
                INSERT INTO jobs_script_versions (name, version, lang, body, status, created_at, updated_at, created_by)
                VALUES (?, ?, ?, ?, 'draft', ?, ?, ?)
                """, name, next, lang.rawValue, body, now, now, user)
            return (try get(name, version: next), false)
        }
    }

    public func get(_ name: String, version: Int) throws -> Version {
        if let v = try db.queryOne("SELECT * FROM jobs_script_versions WHERE name = ? AND version = ?", name, version)
            .map(ScriptLibrary.version) { return v }
        let versions = try self.versions(of: name)
        if versions.isEmpty { throw missing(name) }
        throw EngineError(.usage, "script \(name) has no version \(version); its versions: \(versions.map { String($0.version) }.joined(separator: ", "))")
    }

    func missing(_ name: String) -> EngineError {
        let names = (try? list().map(\.name)) ?? []
        return EngineError(.usage, "no script '\(name)' in the library",
                           hint: closestName(to: name, in: names).map { "did you mean '\($0)'?" } ?? "add it with `platflow script add \(name) FILE`")
    }

    public func versions(of name: String) throws -> [Version] {
        try db.query("SELECT * FROM jobs_script_versions WHERE name = ? ORDER BY version", name).map(ScriptLibrary.version)
    }

    /// The newest version of every script, with its online version number if any.
    public func list() throws -> [(name: String, latest: Version, online: Int?)] {
        let names = try db.query("SELECT DISTINCT name FROM jobs_script_versions ORDER BY name").compactMap { $0.string("name") }
        return try names.map { n in
            let vs = try versions(of: n)
            return (n, vs.last!, vs.first { $0.status == "online" }?.version)
        }
    }

    /// Makes a version the online one; the previous online version goes offline. Disabled versions cannot return.
    public func publish(_ name: String, version: Int) throws {
        try db.transaction {
            let v = try get(name, version: version)
            guard v.status != "disabled" else {
                throw EngineError(.usage, "script \(name) version \(version) is disabled and cannot be published")
            }
            try db.execute("UPDATE jobs_script_versions SET status = 'offline', updated_at = ? WHERE name = ? AND status = 'online'",
                           Date().timeIntervalSince1970, name)
            try db.execute("UPDATE jobs_script_versions SET status = 'online', updated_at = ? WHERE name = ? AND version = ?",
                           Date().timeIntervalSince1970, name, version)
        }
    }

    public func disable(_ name: String, version: Int) throws {
        _ = try get(name, version: version)
        try db.execute("UPDATE jobs_script_versions SET status = 'disabled', updated_at = ? WHERE name = ? AND version = ?",
                       Date().timeIntervalSince1970, name, version)
    }

    /// What `script(name)` / `script(name, version: n)` runs: the online version, or the named one unless it is
    /// disabled. Errors say what is wrong and how to fix it.
    public func resolve(_ name: String, version: Int?) throws -> Version {
        if let version {
            let v = try get(name, version: version)
            if v.status == "disabled" {
                throw EngineError(.usage, "script \(name) version \(version) is disabled",
                                  hint: "use another version, or the online one: script(\"\(name)\")")
            }
            return v
        }
        let vs = try versions(of: name)
        if vs.isEmpty { throw missing(name) }
        guard let online = vs.first(where: { $0.status == "online" }) else {
            throw EngineError(.usage, "script \(name) has no online version (versions: \(vs.map { "\($0.version) \($0.status)" }.joined(separator: ", ")))",
                              hint: "publish one: platflow script publish \(name) \(vs.last!.version)")
        }
        return online
    }
}

/// `script("name")` or `script("name", version: 2)`: the library script as {name, version, lang, body, status},
/// ready to pass to `sh(hosts, script("name"))`. Journaled, so a resumed run uses the same version.
final class ScriptEffect: DurableEffect {
    let kind = EffectKind.read
    let spec = EffectSpec(name: "script", params: ["name", "version"], required: 1,
                          summary: "a script from the library (the online version, or the one named)")

    func perform(_ ctx: EffectContext) throws -> Value {
        let (name, version) = try ScriptEffect.arguments(ctx.args)
        let v: ScriptLibrary.Version
        do {
            v = try ScriptLibrary(db: ctx.store.db).resolve(name, version: version)
        } catch let e as EngineError {
            throw RuntimeError(e.message, hint: e.hint)
        }
        return v.value
    }

    func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let (name, version) = try ScriptEffect.arguments(EffectArguments(function: call.name, named: call.args.named))
        return ([], Value.makeMap([("name", .string(name)), ("version", .int(version ?? 0)), ("lang", .string("bash")),
                                   ("body", .string("# library script \(name)")), ("status", .string("online"))]))
    }

    static func arguments(_ args: EffectArguments) throws -> (String, Int?) {
        let name = try args.require("name", .string)
        let version = try args.get("version", .int)
        if let v = version, v < 1 { throw RuntimeError("script() version must be an int of at least 1") }
        return (name, version)
    }
}
