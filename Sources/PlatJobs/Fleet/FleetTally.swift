import Foundation
import PlatLang

/// What a fleet effect (`sh` on hosts, `copy`) keeps about its hosts while it runs, and the result value it
/// builds from that. Every host adds to the counts and only failed hosts keep their names; at most
/// `detailLimit` hosts keep their whole outcome with its output: every host of a fleet that small, otherwise
/// the first failed hosts in host order. So memory stays flat however large the fleet. Every host's outcome
/// is in the run's journal and log either way (`platflow logs RUN --step S --host H`, `status RUN --group`).
public struct FleetTally {
    /// Up to this many hosts, the result lists every host's outcome.
    public static let detailLimit = 1000

    public let total: Int
    public let detailLimit: Int
    private var counts: [HostOutcome.Status: Int] = [:]
    /// Failed and timed-out hosts by their position in the target list, to report them in host order.
    private var failed: [(index: Int, host: String)] = []
    private var details: [Int: HostOutcome] = [:]
    /// The highest position in `details`.
    private var highestKept = -1

    public init(total: Int, detailLimit: Int = FleetTally.detailLimit) {
        self.total = total
        self.detailLimit = detailLimit
    }

    /// Adds the outcome of the host at `index` in the target list (each host once).
    public mutating func add(_ o: HostOutcome, at index: Int) {
        counts[o.status, default: 0] += 1
        if o.isFailure { failed.append((index, o.host)) }
        guard total <= detailLimit || o.isFailure else { return }
        // Outcomes arrive in completion order; keeping the lowest positions makes the list the first failed
        // hosts in host order, whatever order they finished in. Hosts mostly finish in about host order, so a
        // full list usually turns a newcomer away at once, and looks for its new last one only when it takes one.
        if details.count >= detailLimit {
            guard index < highestKept else { return }
            details[highestKept] = nil
            details[index] = o
            highestKept = details.keys.max() ?? index
        } else {
            details[index] = o
            highestKept = max(highestKept, index)
        }
    }

    public func count(_ s: HostOutcome.Status) -> Int { counts[s] ?? 0 }
    public var failedCount: Int { failed.count }
    /// Hosts with an outcome so far (skipped ones included).
    public var recorded: Int { counts.values.reduce(0, +) }

    /// The names of the failed and timed-out hosts, in host order.
    public var failedHosts: [String] { failed.sorted { $0.index < $1.index }.map(\.host) }

    /// The effect's result value: `{total, ok, failed, timeout, skipped, cancelled, batches, failed_hosts,
    /// hosts, hosts_omitted}`; `hosts` holds the kept outcomes in host order, `hosts_omitted` how many hosts
    /// it leaves out.
    public func summary(batches: Int) -> Value {
        let listed = details.keys.sorted().map { details[$0]!.toValue() }
        return Value.makeMap([
            ("total", .int(total)), ("ok", .int(count(.ok))), ("failed", .int(failedCount)),
            ("timeout", .int(count(.timeout))), ("skipped", .int(count(.skipped))), ("cancelled", .int(count(.cancelled))),
            ("batches", .int(batches)), ("failed_hosts", .list(failedHosts.map { .string($0) })),
            ("hosts", .list(listed)), ("hosts_omitted", .int(total - listed.count)),
        ])
    }
}
