import CSQLite

/// One schema change owned by a module: `(module, version)` is applied once, in version order.
///
/// Each module (engine, schedules, ...) numbers its own migrations from 1; the table `platflow_schema` records
/// the highest version applied per module. Migrations only ever go forward: a database recording a version
/// higher than this build's newest migration for that module is refused (`SchemaTooNewError`).
///
/// The SQL may hold several statements; it runs inside the migration's transaction, so it must not contain
/// `BEGIN`/`COMMIT` or pragmas that cannot change inside a transaction (such as `foreign_keys`).
public struct Migration: Sendable {
    public let module: String
    public let version: Int
    public let sql: String

    public init(module: String, version: Int, sql: String) {
        self.module = module
        self.version = version
        self.sql = sql
    }
}

extension Database {
    /// Brings the schema up to date: every migration whose version is above the one recorded for its module
    /// runs, each in its own transaction, modules in the order they first appear in `migrations`, versions
    /// ascending.
    ///
    /// Before writing anything it checks that the database is not newer than this build (store format in
    /// `PRAGMA user_version`, and each listed module's recorded version against its highest migration here);
    /// if it is, `SchemaTooNewError` is thrown and nothing is changed. Modules recorded in the database but
    /// absent from `migrations` are left alone (another caller may own them). Safe to run from two processes
    /// at once: each migration re-reads the recorded version under the write lock before applying.
    public func migrate(_ migrations: [Migration]) throws {
        let plan = try Database.plan(migrations)

        // Read-only checks first.
        let format = try userVersion()
        if format > Database.storeFormat {
            throw SchemaTooNewError(path: path, module: nil, found: format, known: Database.storeFormat)
        }
        let recorded = try recordedVersions()
        for (module, steps) in plan {
            let highest = steps.last?.version ?? 0
            if let found = recorded[module], found > highest {
                throw SchemaTooNewError(path: path, module: module, found: found, known: highest)
            }
        }

        let tableExists = try schemaTableExists()
        if !tableExists {
            // A new file, or one platflow never set up (another program's database): everything in one
            // transaction, so a migration that fails (its tables clash with the file's) leaves the file exactly
            // as it was, without platflow_schema, user_version or half the tables. Then WAL, which the file
            // was kept out of until it became platflow's.
            try transaction { try apply(plan, recorded: recorded, format: format, tableExists: false) }
            try useWriteAheadLog()
            return
        }
        try apply(plan, recorded: recorded, format: format, tableExists: true)
    }

    private func apply(_ plan: [(String, [Migration])], recorded: [String: Int], format: Int, tableExists: Bool) throws {
        if format < Database.storeFormat || !tableExists {
            try transaction {
                try executeScript("""
                    CREATE TABLE IF NOT EXISTS platflow_schema (
                        module TEXT PRIMARY KEY,
                        version INTEGER NOT NULL
                    );
                    PRAGMA user_version = \(Database.storeFormat);
                    """)
            }
        }

        for (module, steps) in plan {
            for migration in steps where migration.version > (recorded[module] ?? 0) {
                try transaction {
                    // Another process may have applied it since the check above.
                    let current = try queryOne("SELECT version FROM platflow_schema WHERE module = ?", module)?
                        .int("version") ?? 0
                    guard current < Int64(migration.version) else { return }
                    do {
                        try executeScript(migration.sql)
                    } catch let error as DatabaseError {
                        throw DatabaseError(code: error.code, extendedCode: error.extendedCode,
                                            message: "migration \(module) #\(migration.version) failed: "
                                                + error.message,
                                            sql: error.sql)
                    }
                    try execute("""
                        INSERT INTO platflow_schema (module, version) VALUES (?, ?)
                        ON CONFLICT (module) DO UPDATE SET version = excluded.version
                        """, module, migration.version)
                }
            }
        }
    }

    /// The schema version recorded for `module`, or nil when none of its migrations has been applied.
    public func appliedVersion(module: String) throws -> Int? {
        guard try schemaTableExists() else { return nil }
        return try queryOne("SELECT version FROM platflow_schema WHERE module = ?", module)?
            .int("version").map { Int($0) }
    }

    private func schemaTableExists() throws -> Bool {
        try queryOne("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'platflow_schema'") != nil
    }

    private func recordedVersions() throws -> [String: Int] {
        guard try schemaTableExists() else { return [:] }
        var versions: [String: Int] = [:]
        try forEach("SELECT module, version FROM platflow_schema", []) { row in
            if let module = row.string("module"), let version = row.int("version") {
                versions[module] = Int(version)
            }
        }
        return versions
    }

    /// Groups migrations by module (first-appearance order) with versions ascending, refusing lists that
    /// could not mean one thing: a blank module, a version below 1, a (module, version) given twice.
    private static func plan(_ migrations: [Migration]) throws -> [(String, [Migration])] {
        var order: [String] = []
        var byModule: [String: [Migration]] = [:]
        for migration in migrations {
            guard !migration.module.isEmpty else {
                throw invalid("a migration has an empty module name")
            }
            guard migration.version >= 1 else {
                throw invalid("migration \(migration.module) #\(migration.version): versions start at 1")
            }
            if byModule[migration.module] == nil { order.append(migration.module) }
            byModule[migration.module, default: []].append(migration)
        }
        return try order.map { module in
            let steps = (byModule[module] ?? []).sorted { $0.version < $1.version }
            for (a, b) in zip(steps, steps.dropFirst()) where a.version == b.version {
                throw invalid("migration \(module) #\(a.version) is given twice")
            }
            return (module, steps)
        }
    }

    private static func invalid(_ message: String) -> DatabaseError {
        DatabaseError(code: SQLITE_MISUSE, message: "invalid migration list: " + message)
    }
}
