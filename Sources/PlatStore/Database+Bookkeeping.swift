extension Database {
    /// Runs `body`, whose writes are bookkeeping (log lines, leases, step records), without waiting for the disk
    /// at its commits, on a connection opened with `.full` durability outside any transaction.
    ///
    /// In WAL mode commits are appended to one log file in order, and the next `synchronous=FULL` commit (a
    /// journal entry, a run's creation or its outcome) fsyncs that file, so everything written before it reaches
    /// the disk with it: bookkeeping is on disk before the next effect is journaled, as it was, but a run with
    /// many prints or steps no longer pays an fsync for each. A power loss can lose only bookkeeping written
    /// since the last journaled effect; a crash of the process loses nothing (the OS holds what was written).
    /// Inside a transaction `body` simply runs: the transaction's own commit decides.
    public func withoutWaitingForDisk<T>(_ body: () throws -> T) throws -> T {
        guard options.durability == .full, !options.scratch, !options.readOnly, !isInTransaction,
              !path.isEmpty, path != ":memory:" else { return try body() }
        try execute("PRAGMA synchronous = NORMAL")
        defer { try? execute("PRAGMA synchronous = FULL") }
        return try body()
    }
}
