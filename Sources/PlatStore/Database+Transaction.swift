import CSQLite

extension Database {
    /// Runs `body` in a transaction: `BEGIN IMMEDIATE` ... `COMMIT`, rolled back when `body` throws (the error
    /// is rethrown) or when the commit fails.
    ///
    /// `IMMEDIATE` takes the write lock up front, so two writers queue on the busy timeout at `BEGIN` instead of
    /// one failing later with SQLITE_BUSY when its read snapshot turns out stale. A call inside an open
    /// transaction uses a SAVEPOINT: its failure undoes only its own changes, and the outer transaction decides.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        try execute("BEGIN IMMEDIATE")
        transactionDepth += 1
        let result: T
        do {
            result = try body()
        } catch {
            transactionDepth -= 1
            rollbackQuietly()
            throw error
        }
        transactionDepth -= 1
        do {
            try execute("COMMIT")
        } catch {
            // A failed COMMIT (a deferred foreign key, persistent BUSY, I/O) leaves the transaction open.
            rollbackQuietly()
            throw error
        }
        return result
    }

    /// A nested transaction: a savepoint released on success, rolled back to and released on error.
    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        // The name is built from a counter, never from input, so splicing it is safe.
        let name = "platflow_sp\(transactionDepth)"
        try execute("SAVEPOINT \(name)")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        let result: T
        do {
            result = try body()
        } catch {
            // If SQLite already rolled back the whole transaction (some errors do), there is nothing to undo.
            if isInTransaction {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
            }
            throw error
        }
        try execute("RELEASE \(name)")
        return result
    }

    /// Rolls back the open transaction, if SQLite has not already done so; the caller's error is what matters.
    private func rollbackQuietly() {
        if isInTransaction {
            try? execute("ROLLBACK")
        }
    }
}

extension Database {
    /// Runs `body` (one large write transaction) with SQLite's rollback journal instead of the WAL, when no
    /// other connection has the file open; otherwise simply runs it.
    ///
    /// In WAL mode every page a transaction writes goes to the WAL first and is copied into the database at
    /// the next checkpoint: a bulk load of 50 MB writes 100 MB. With the rollback journal, pages that are new
    /// to the file are written once, and only the few pages that existed before are saved to the journal;
    /// the commit is just as atomic and durable (`synchronous=FULL`). Leaving WAL needs the file to ourselves,
    /// so the switch is tried without waiting: with a reader or a running scheduler attached, the transaction
    /// stays in WAL. WAL is restored afterwards (and by every open, should this process die in between).
    public func withRollbackJournalIfAlone<T>(_ body: () throws -> T) throws -> T {
        guard !isInTransaction, !path.isEmpty, path != ":memory:", !options.readOnly else { return try body() }
        sqlite3_busy_timeout(handle, 0)
        let mode = (try? queryOne("PRAGMA journal_mode = DELETE"))?.string("journal_mode")
        sqlite3_busy_timeout(handle, Int32(clamping: max(0, options.busyTimeoutMilliseconds)))
        guard mode == "delete" else { return try body() }
        defer { try? retryingWhileBusy { _ = try queryOne("PRAGMA journal_mode = WAL") } }
        return try body()
    }
}
