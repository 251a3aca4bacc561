import Foundation
import PlatLang
import PlatStore

/// Who the operating system says runs this process: the approver of an approval. Unlike `$USER` or
/// `PLATFLOW_USER`, which anyone can set, this is the account the kernel knows.
public enum OSUser {
    public static var name: String { name(of: geteuid()) }

    public static func name(of uid: uid_t) -> String {
        if let pw = getpwuid(uid), let n = pw.pointee.pw_name { return String(cString: n) }
        return "uid \(uid)"
    }

    /// The account that owns the file at `path` (the database's owner), nil when it cannot be read.
    public static func owner(of path: String) -> (uid: uid_t, name: String)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (st.st_uid, name(of: st.st_uid))
    }
}

/// Settings of one database that only its owner decides (the account owning the database file, or root): today
/// whether `platflow approve --as NAME` may decide for someone else.
public struct EngineSettings {
    public let db: Database

    public init(db: Database) { self.db = db }

    public struct Setting: Sendable {
        public let key: String
        public let summary: String
        public let values: [String]
        public let defaultValue: String
    }

    public static let known: [Setting] = [
        Setting(key: "approvals.delegation",
                summary: "whether `platflow approve --as NAME` may record a decision for someone else (both names are recorded)",
                values: ["off", "on"], defaultValue: "off"),
    ]

    public func value(_ key: String) throws -> String {
        let setting = try Self.setting(key)
        return try db.queryOne("SELECT value FROM engine_settings WHERE key = ?", key)?.string("value") ?? setting.defaultValue
    }

    /// Every known setting with its value and who set it last.
    public func all() throws -> [(setting: Setting, value: String, setBy: String?, setAt: Double?)] {
        try Self.known.map { s in
            let row = try db.queryOne("SELECT value, set_by, set_at FROM engine_settings WHERE key = ?", s.key)
            return (s, row?.string("value") ?? s.defaultValue, row?.string("set_by"), row?.double("set_at"))
        }
    }

    /// Changes a setting; refused unless this process runs as the database file's owner (or root).
    public func set(_ key: String, to value: String) throws {
        let setting = try Self.setting(key)
        guard setting.values.contains(value) else {
            throw EngineError(.usage, "\(key) takes \(setting.values.joined(separator: " or ")), not '\(value)'",
                              hint: closestName(to: value, in: setting.values).map { "did you mean '\($0)'?" })
        }
        let me = OSUser.name
        if geteuid() != 0, let owner = OSUser.owner(of: db.path), owner.uid != geteuid() {
            throw EngineError(.usage, "only the database's owner (\(owner.name)) may change \(key); you are \(me)",
                              hint: "ask \(owner.name) to run `platflow config set \(key) \(value)`")
        }
        try db.execute("""
            INSERT INTO engine_settings (key, value, set_by, set_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at
            """, key, value, me, RunStore.now())
    }

    public var delegationAllowed: Bool { (try? value("approvals.delegation")) == "on" }

    static func setting(_ key: String) throws -> Setting {
        if let s = known.first(where: { $0.key == key }) { return s }
        throw EngineError(.usage, "no setting '\(key)'",
                          hint: closestName(to: key, in: known.map(\.key)).map { "did you mean '\($0)'?" }
                              ?? "settings: \(known.map(\.key).joined(separator: ", "))")
    }
}
