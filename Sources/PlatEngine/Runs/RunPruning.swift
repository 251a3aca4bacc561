import Foundation
import PlatStore

extension RunStore {
    /// Finished runs (succeeded, failed, cancelled) that finished before `cutoff` (seconds since 1970), oldest
    /// first. A run without a finish time counts from its creation. Runs still going are never among them.
    public func prunable(finishedBefore cutoff: Double) throws -> [RunRecord] {
        try db.query("""
            SELECT * FROM engine_runs WHERE status IN ('succeeded', 'failed', 'cancelled')
            AND COALESCE(finished_at, created_at) < ? ORDER BY COALESCE(finished_at, created_at)
            """, cutoff).map(RunRecord.init)
    }

    /// Removes those runs in one transaction. Their sources, journal, steps, logs and approvals go with them
    /// (the tables cascade on the run); the status condition is repeated in the DELETE so a run resumed
    /// between listing and deleting is kept.
    @discardableResult
    public func prune(finishedBefore cutoff: Double) throws -> [RunRecord] {
        var removed: [RunRecord] = []
        try db.transaction {
            removed = try prunable(finishedBefore: cutoff)
            for run in removed {
                try db.execute("DELETE FROM engine_runs WHERE id = ? AND status IN ('succeeded', 'failed', 'cancelled')", run.id)
            }
        }
        return removed
    }
}
