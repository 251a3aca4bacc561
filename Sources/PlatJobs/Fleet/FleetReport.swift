import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// Reads a run's per-host results back out of its journal, for `status --group` and the summary table.
public enum FleetReport {
    public struct StepHosts {
        /// The effect's journal key (`main/restart#1`) and its step path.
        public var key: String
        public var step: String
        public var outcomes: [HostOutcome]
        public var duration: Double?
    }

    /// Every fleet effect of the run with its hosts' outcomes, in the order they started.
    public static func steps(db: Database, runID: String) throws -> [StepHosts] {
        var order: [String] = []
        var byKey: [String: [HostOutcome]] = [:]
        var durations: [String: Double] = [:]
        for r in try db.query("""
            SELECT key, status, result, started_at, finished_at FROM engine_journal WHERE run_id = ? ORDER BY started_at, rowid
            """, runID) {
            let key = r.string("key") ?? ""
            if let at = key.firstIndex(of: "@") {
                let effectKey = String(key[..<at])
                let hostPart = String(key[key.index(after: at)...])
                if hostPart.hasPrefix("gate-") || hostPart.hasPrefix("pause-") { continue }
                guard let text = r.string("result"), let v = try? ValueCodec.decode(text), let o = HostOutcome.from(v) else {
                    if byKey[effectKey] == nil { order.append(effectKey) }
                    byKey[effectKey, default: []].append(HostOutcome(host: hostPart, status: .cancelled, stderr: "in flight"))
                    continue
                }
                if byKey[effectKey] == nil { order.append(effectKey) }
                byKey[effectKey, default: []].append(o)
            } else if let s = r.double("started_at"), let f = r.double("finished_at") {
                durations[key] = f - s
            }
        }
        return order.map { key in
            let step = key.split(separator: "#").dropLast().joined(separator: "#")
            return StepHosts(key: key, step: step, outcomes: byKey[key] ?? [], duration: durations[key])
        }
    }

    public struct Group {
        public var status: HostOutcome.Status
        public var exitCode: Int?
        public var output: String
        public var hosts: [String]
    }

    /// Hosts with the same status, exit code and output, largest group first.
    public static func groups(_ outcomes: [HostOutcome]) -> [Group] {
        var groups: [String: Group] = [:]
        var order: [String] = []
        for o in outcomes {
            let output = (o.stdout + (o.stderr.isEmpty ? "" : "\n" + o.stderr)).trimmingCharacters(in: .whitespacesAndNewlines)
            let k = "\(o.status.rawValue)\u{1}\(o.exitCode ?? -999)\u{1}\(output)"
            if groups[k] == nil {
                groups[k] = Group(status: o.status, exitCode: o.exitCode, output: output, hosts: [])
                order.append(k)
            }
            groups[k]!.hosts.append(o.host)
        }
        return order.map { groups[$0]! }.sorted { $0.hosts.count > $1.hosts.count }
    }
}
