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
