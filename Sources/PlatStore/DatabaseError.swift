import CSQLite

/// An error reported by SQLite (or by this layer on its behalf): result code, extended code, message and the
/// SQL that was running.
///
/// `code` is the primary result code (`SQLITE_CONSTRAINT` = 19, `SQLITE_BUSY` = 5, ...); `extendedCode` the
/// extended one SQLite reports with it (`SQLITE_CONSTRAINT_UNIQUE` = 2067, ...), equal to `code` when there is
/// no finer detail.
public struct DatabaseError: Error, CustomStringConvertible {
    public let code: Int32
    public let extendedCode: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// Another writer held the database longer than the busy timeout.
    public var isBusy: Bool { code == SQLITE_BUSY }
    /// A table in this same connection (or shared cache) was locked.
    public var isLocked: Bool { code == SQLITE_LOCKED }
    /// A UNIQUE, NOT NULL, CHECK, PRIMARY KEY or FOREIGN KEY constraint refused the change.
    public var isConstraint: Bool { code == SQLITE_CONSTRAINT }
    /// The database (or its file) could not be opened.
    public var isCantOpen: Bool { code == SQLITE_CANTOPEN }
    /// The connection or the file is read-only.
    public var isReadOnly: Bool { code == SQLITE_READONLY }

    /// SQLite's name for the error class, such as "constraint failed".
    public var codeDescription: String {
        guard let text = sqlite3_errstr(extendedCode) else { return "error" }
        return String(cString: text)
    }

    /// One line: the message, the codes, and the statement when there is one (cut to keep logs readable).
    public var description: String {
        var out = "\(message) (SQLite error \(code)"
        if extendedCode != code { out += "/\(extendedCode)" }
        out += ")"
        if let sql {
            let flat = sql.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" })
                .map { $0.trimmingSpaces() }
                .joined(separator: " ")
            out += " in: " + (flat.count > 200 ? String(flat.prefix(200)) + "..." : flat)
        }
        return out
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// The database was written by a newer platflow than this one: its store format, or one module's schema
/// version, is higher than anything this build knows. Opening or migrating it is refused and nothing is changed.
public struct SchemaTooNewError: Error, CustomStringConvertible {
    /// The database file.
    public let path: String
    /// The module whose schema is too new, or nil when the store format itself (`PRAGMA user_version`) is.
    public let module: String?
    /// The version the database records.
    public let found: Int
    /// The highest version this build knows.
    public let known: Int

    public init(path: String, module: String?, found: Int, known: Int) {
        self.path = path
        self.module = module
        self.found = found
        self.known = known
    }

    public var description: String {
        let what: String
        if let module {
            what = "module '\(module)' at schema version \(found), this one knows up to \(known)"
        } else {
            what = "store format \(found), this one knows \(known)"
        }
        return "the database at \(path) was written by a newer platflow (\(what)); "
            + "upgrade platflow to use it, or choose another database with --db or PLATFLOW_DB. "
            + "Nothing was changed."
    }
}
