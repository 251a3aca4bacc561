/// How an effect is journaled, which decides what a crash can do to it. Each effect declares its kind; the engine
/// (`DurableEffects.perform`) applies the discipline, so an effect only does its work.
public enum EffectKind: Sendable {
    /// Its only outcome is a value (`now()`, `env()`, `cmdb.hosts()`): the value is journaled finished after it
    /// is computed and replayed from then on. A crash before the commit computes it again.
    case read
    /// It changes the run's database (`cmdb.update()`): the change and its journal entry commit in one
    /// transaction, so it happens exactly once.
    case transactional
    /// It acts on the outside world (`sh()`, `copy()`, `sleep()`, `approve()`): journaled started before it
    /// acts and finished (or failed) after. A crash in between runs it again on resume — at least once — with
    /// the same `PLATFLOW_IDEMPOTENCY_KEY`, for work that must not act twice.
    case external
}
