import Foundation
import PlatStore
import PlatEngine

/// The CMDB on one database connection: who is making changes, what time it is, and the operations (hosts,
/// topology, models, queries, import/export, events) that the extensions in this module add.
///
/// Every change runs in a transaction that also writes its change events, so a reader never sees a change
/// without its event. Inside an outer transaction (an effect of a run journaling its result) the change
/// becomes a savepoint of it and commits with the journal entry.
public final class CMDB {
    public let db: Database
    /// Recorded as `who` on every change event.
    public var actor: String
    /// Seconds since 1970; tests move it to check retention.
    public var clock: () -> Double
    /// Where a first load builds its search index: beside the database (tests point it where it cannot be
    /// made, to check that such an import indexes in place instead).
    var importIndexPath: (String) -> String = { $0 + "-import-index" }

    /// The host model's custom fields and the filters compiled against them, kept while no other connection
    /// has committed (`PRAGMA data_version`) and this one has not changed a model: a query by hostname then
    /// costs its SQL, not a re-read of the schema and a re-parse of the filter.
    private var schemaCache: (dataVersion: Int64, custom: [FieldDef], catalog: FieldCatalog)?
    private var filterCache: [String: CompiledFilter] = [:]
    /// Column positions of host rows (the SELECT never changes shape while the schema does not).
    var hostLayout: HostRows.Layout?

    /// Runs reads in one read transaction: one lock and one snapshot for all their statements instead of
    /// one per statement. Inside a transaction already, just runs them.
    func reading<T>(_ body: () throws -> T) throws -> T {
        if db.isInTransaction { return try body() }
        try db.execute("BEGIN")
        do {
            let r = try body()
            try db.execute("COMMIT")
            return r
        } catch {
            if db.isInTransaction { try? db.execute("ROLLBACK") }
            throw error
        }
    }

    public init(db: Database, actor: String? = nil, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        self.db = db
        self.actor = actor ?? CMDB.defaultActor
        self.clock = clock
    }

    /// Opens (and migrates) a database holding only the CMDB's tables: for tests and tools. The CLI opens the
    /// engine's store, which migrates every module of the set it is opened with.
    public static func open(path: String, actor: String? = nil) throws -> CMDB {
        let db = try Database(path: path)
        try db.migrate(CMDBSchema.migrations)
        return CMDB(db: db, actor: actor)
    }

    /// Who runs the command, named as runs name it (`RunExecutor.currentUser`).
    public static var defaultActor: String { RunExecutor.currentUser() }

    var nowText: String { CMDBTime.format(clock()) }

    /// Runs `body` in a transaction (a savepoint inside an open one).
    /// A failed change may have loaded the schema it was changing into the cache, so the cache goes too.
    func write<T>(_ body: () throws -> T) throws -> T {
        do {
            return try db.transaction(body)
        } catch {
            schemaChanged()
            throw error
        }
    }

    // MARK: Settings

    func setting(_ key: String) throws -> String? {
        try db.queryOne("SELECT value FROM cmdb_settings WHERE key = ?", key)?.string("value")
    }

    func setSetting(_ key: String, _ value: String) throws {
        try db.execute("""
            INSERT INTO cmdb_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """, key, value)
    }

    // MARK: Fields

    /// Custom fields declared on the host model, in declaration order.
    public func customHostFields() throws -> [FieldDef] {
        try cachedSchema().custom
    }

    func cachedSchema() throws -> (custom: [FieldDef], catalog: FieldCatalog) {
        let version = try db.queryOne("PRAGMA data_version")?.int("data_version") ?? -1
        if let c = schemaCache, c.dataVersion == version { return (c.custom, c.catalog) }
        let custom = try attributes(of: "host")
        let catalog = FieldCatalog.hosts(custom: custom)
        schemaCache = (version, custom, catalog)
        filterCache.removeAll()
        return (custom, catalog)
    }

    /// Forgets the cached schema; every change to a model calls it.
    func schemaChanged() {
        schemaCache = nil
        filterCache.removeAll()
    }

    /// A host filter without variables, compiled once per schema.
    func cachedHostFilter(_ filter: String) throws -> CompiledFilter {
        let catalog = try cachedSchema().catalog
        if let c = filterCache[filter] { return c }
        let c = try FilterCompiler.compile(filter, catalog: catalog)
        if filterCache.count >= 256 { filterCache.removeAll() }
        filterCache[filter] = c
        return c
    }

    /// Every field a host has: built-in columns, custom fields, then id and times.
    public func hostFields() throws -> [FieldDef] {
        HostFields.columns + (try customHostFields()) + HostFields.readOnly
    }

    // MARK: Names

    /// Characters no business, set, module, template, group or model name may contain.
    static let forbiddenNameCharacters: Set<Character> = ["\\", "|", "/", ":", "*", ",", "<", ">", "\"", "?", "#"]

    /// Checks a name given to a business, set, module, template, group, model or attribute.
    public static func checkName(_ name: String, what: String) throws {
        if name.isEmpty { throw CMDBError(.invalid, "a \(what) name may not be empty") }
        if name.count > 128 { throw CMDBError(.invalid, "the \(what) name '\(AttributeType.clip(name))' is longer than 128 characters") }
        for c in name {
            if forbiddenNameCharacters.contains(c) {
                throw CMDBError(.invalid, "the \(what) name '\(name)' contains '\(c)'",
                                hint: "names may not contain \\ | / : * , < > \" ? # or whitespace")
            }
            if c.isWhitespace || c.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                throw CMDBError(.invalid, "the \(what) name '\(name)' contains whitespace or a control character",
                                hint: "names may not contain \\ | / : * , < > \" ? # or whitespace")
            }
        }
    }

    /// Field and attribute names: identifiers the filter language can spell.
    public static func checkFieldName(_ name: String) throws {
        let ok = !name.isEmpty && name.utf8.count <= 64 && name.utf8.enumerated().allSatisfy { i, c in
            (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || (i > 0 && c >= 48 && c <= 57)
        }
        if !ok {
            throw CMDBError(.invalid, "'\(AttributeType.clip(name))' is not a valid field name",
                            hint: "field names are letters, digits and _, starting with a letter or _")
        }
    }
}
