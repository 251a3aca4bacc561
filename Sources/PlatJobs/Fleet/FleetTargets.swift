import Foundation
import PlatLang

/// The target hosts of a fleet effect as the plan listed them (names or host maps). All of them are checked
/// before anything runs, with the errors of `Host.list`, but each becomes a `Host` (its simulated root folder,
/// its variables) only when its turn comes: a fleet then costs the runner nothing per host beyond the plan's
/// own list, where a `Host` for each of 10,000 hosts would be 2 MB.
/// Unchecked Sendable: the list is the plan's value, which nothing changes while the effect runs; worker
/// threads only read it.
public struct FleetTargets: @unchecked Sendable {
    private let items: [Value]
    private let simulatedBase: String

    /// With `transports`, every host's `transport:` kind must be registered there.
    public init(_ v: Value, simulatedBase: String = ".platflow/hosts", transports: TransportRegistry? = nil) throws {
        if case .list(let xs) = v { items = xs } else { items = [v] }
        self.simulatedBase = simulatedBase
        var seen = Set<String>(minimumCapacity: items.count)
        for x in items {
            let h = try Host.from(x, simulatedBase: simulatedBase)
            guard seen.insert(h.name).inserted else { throw RuntimeError("host \(h.name) is listed twice") }
            try transports?.check(h)
        }
    }

    public var count: Int { items.count }

    /// Only the hosts whose name or address matches one of `patterns` (names or globs such as `web-*`), for
    /// `run --limit`.
    public func limited(to patterns: [String]) -> FleetTargets {
        let kept = items.filter { item in
            var keys: [String] = []
            switch item {
            case .string(let s): keys = [s]
            case .map(let m):
                for k in ["name", "address"] { if case .string(let s)? = m.get(.string(k)) { keys.append(s) } }
            default: break
            }
            return keys.contains { key in patterns.contains { fnmatch($0, key, 0) == 0 } }
        }
        return FleetTargets(checked: kept, simulatedBase: simulatedBase)
    }

    private init(checked: [Value], simulatedBase: String) {
        items = checked
        self.simulatedBase = simulatedBase
    }

    /// The name of the host at `i`, without building its `Host`.
    public func name(at i: Int) -> String {
        switch items[i] {
        case .string(let s): return s
        case .map(let m): if case .string(let s)? = m.get(.string("name")) { return s }
        default: break
        }
        return ""
    }

    /// The host at `i`. It was checked with the list, and building it again gives the same answer; the runner
    /// still turns an error into that host's failure rather than trusting it.
    public func host(at i: Int) throws -> Host { try Host.from(items[i], simulatedBase: simulatedBase) }
}
