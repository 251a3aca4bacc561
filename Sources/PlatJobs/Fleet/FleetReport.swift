import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// Reads a run's per-host results back out of its journal, for `status --group` and the summary table after a
/// run.
///
/// One pass over the journal, one host at a time: a step keeps its counts and, when grouping, one entry per
/// distinct result (identified by a digest of its output, holding only the first lines to show). So a report on
/// 10,000 hosts that each printed a lot costs about what one on 10 hosts does.
public enum FleetReport {
    public struct StepHosts {
        /// The effect's journal key (`main/restart#1`) and its step path.
        public var key: String
        public var step: String
        public var hosts = 0
        public var ok = 0
        public var failed = 0
        /// Skipped, cancelled and still in flight.
        public var notRun = 0
        public var duration: Double?
        /// Hosts with the same status, exit code and output, largest group first (only when asked for).
        public var groups: [Group] = []
    }

    public struct Group {
        public var status: HostOutcome.Status
        public var exitCode: Int?
        /// The first `shownLines` non-blank lines of the group's output (stdout, then stderr), each cut at
        /// `shownWidth` characters.
        public var output: String
        public var hosts: [String]
    }

    /// Lines of output a group keeps to show, and characters of each.
    public static let shownLines = 5
    public static let shownWidth = 200

    /// Every fleet effect of the run with its hosts' counts, in the order they started; with `grouping`, also
    /// its hosts grouped by identical result.
    public static func steps(db: Database, runID: String, grouping: Bool = false) throws -> [StepHosts] {
        var order: [String] = []
        var steps: [String: StepHosts] = [:]
        var groupIndex: [String: [String: Int]] = [:]
        try db.forEach("""
            SELECT key, host, result FROM engine_journal_hosts WHERE run_id = ? ORDER BY started_at, rowid
            """, [runID]) { r in
            let effectKey = r.string("key") ?? ""
            let host = r.string("host") ?? ""
            let outcome: HostOutcome
            if let text = r.string("result"), let v = try? ValueCodec.decode(text), let o = HostOutcome.from(v) {
                outcome = o
            } else {
                outcome = HostOutcome(host: host, status: .cancelled, stderr: "in flight")
            }
            if steps[effectKey] == nil {
                order.append(effectKey)
                steps[effectKey] = StepHosts(key: effectKey, step: JournalKey(text: effectKey)?.step ?? effectKey)
            }
            steps[effectKey]!.hosts += 1
            switch outcome.status {
            case .ok: steps[effectKey]!.ok += 1
            case .failed, .timeout: steps[effectKey]!.failed += 1
            case .skipped, .cancelled: steps[effectKey]!.notRun += 1
            }
            guard grouping else { return }
            let output = (outcome.stdout + (outcome.stderr.isEmpty ? "" : "\n" + outcome.stderr))
                .trimmingCharacters(in: .whitespacesAndNewlines)
            var digest = SHA256()
            digest.update(Array(output.utf8))
            let groupKey = "\(outcome.status.rawValue) \(outcome.exitCode ?? -999) \(digest.finalizeHex())"
            if let i = groupIndex[effectKey]?[groupKey] {
                steps[effectKey]!.groups[i].hosts.append(outcome.host)
            } else {
                let shown = output.split(separator: "\n").prefix(shownLines)
                    .map { $0.count > shownWidth ? $0.prefix(shownWidth - 3) + "..." : $0 }.joined(separator: "\n")
                groupIndex[effectKey, default: [:]][groupKey] = steps[effectKey]!.groups.count
                steps[effectKey]!.groups.append(Group(status: outcome.status, exitCode: outcome.exitCode, output: shown, hosts: [outcome.host]))
            }
        }
        return order.map { key in
            var s = steps[key]!
            s.duration = try? wallTime(db: db, runID: runID, key: key)
            // Hosts that never started (a stop before their batch) have no entry: they are counted as not run.
            if let total = try? db.queryOne("SELECT hosts_total FROM engine_journal WHERE run_id = ? AND key = ?", runID, key)?
                .int("hosts_total"), Int(total) > s.hosts {
                s.notRun += Int(total) - s.hosts
                s.hosts = Int(total)
            }
            // Largest first; equal sizes keep the order they were first seen in.
            s.groups = s.groups.enumerated().sorted { a, b in
                a.element.hosts.count != b.element.hosts.count ? a.element.hosts.count > b.element.hosts.count : a.offset < b.offset
            }.map(\.element)
            return s
        }
    }

    /// The wall time a fleet effect's hosts ran: the union of their intervals, so the time a run was stopped
    /// between two processes is not counted; nil while no host has finished.
    static func wallTime(db: Database, runID: String, key: String) throws -> Double? {
        var spans: [(Double, Double)] = []
        try db.forEach("SELECT started_at, finished_at FROM engine_journal_hosts WHERE run_id = ? AND key = ?", [runID, key]) { r in
            if let a = r.double("started_at"), let b = r.double("finished_at") { spans.append((a, max(a, b))) }
        }
        guard !spans.isEmpty else { return nil }
        spans.sort { $0.0 < $1.0 }
        var total = 0.0
        var (from, to) = spans[0]
        for (a, b) in spans.dropFirst() {
            if a > to {
                total += to - from
                (from, to) = (a, b)
            } else {
                to = max(to, b)
            }
        }
        return total + (to - from)
    }
}
