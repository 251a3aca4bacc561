import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process groups `ProcessRunner.run` has started and not yet reaped, each with its owner, so `killAll`
/// and `kill(owner:)` can reach them.
///
/// A group is registered right after its spawn and removed *before* its leader is reaped. Until the reap, the
/// leader (running or a zombie) keeps its pid, which is also the group id, from being reused, so a signal
/// sent to a registered group can never reach an unrelated process. Kills signal while holding the lock for
/// the same reason.
///
/// A spawn that races with a kill (started before it, registered after it) is caught by an epoch: `register`
/// sees kills newer than its spawn's ticket and signals the new group itself.
final class ProcessGroupRegistry: @unchecked Sendable {
    static let shared = ProcessGroupRegistry()

    /// A kill recent enough that a spawn in flight may have missed it.
    private struct Kill {
        let epoch: UInt64
        let owner: String?  // nil: everyone
        let signal: Int32
    }

    private let lock = NSLock()
    private var groups: [pid_t: String?] = [:]
    private var epoch: UInt64 = 0
    /// The latest kills, oldest first. A spawn takes microseconds, so a short memory is plenty.
    private var recentKills: [Kill] = []
    private static let killMemory = 64

    /// Called before a spawn; pass the result to `register`.
    func beginSpawn() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return epoch
    }

    /// Records a freshly spawned group; signals it at once if a kill that covers it ran since `beginSpawn`.
    func register(_ pgid: pid_t, owner: String?, ticket: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        groups.updateValue(owner, forKey: pgid)  // (a subscript assignment of nil would remove it)
        for kill in recentKills where kill.epoch > ticket && (kill.owner == nil || kill.owner == owner) {
            _ = killpg(pgid, kill.signal)
        }
    }

    /// Forgets a group; call before reaping its leader.
    func unregister(_ pgid: pid_t) {
        lock.lock()
        defer { lock.unlock() }
        groups.removeValue(forKey: pgid)
    }

    /// Sends `signal` to every registered group, or only to `owner`'s when one is given.
    func kill(owner: String?, signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        epoch &+= 1
        recentKills.append(Kill(epoch: epoch, owner: owner, signal: signal))
        if recentKills.count > Self.killMemory { recentKills.removeFirst() }
        for (pgid, groupOwner) in groups where owner == nil || groupOwner == owner {
            _ = killpg(pgid, signal)
        }
    }

    /// How many groups are registered (for tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return groups.count
    }
}
