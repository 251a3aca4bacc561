import Foundation

/// Collects what the built-in checkers find, in the line numbers of the script being checked.
final class DangerCollector {
    struct Hit {
        var ruleID: String
        var line: Int
        var message: String
    }
    var hits: [Hit] = []
    /// Function bodies followed so far (each call of a script's function is judged again with its arguments);
    /// past `DangerCollector.callBudget` the checker stops following calls and says so, so hostile input
    /// (functions calling each other a hundred times each) cannot make it run for ever.
    var callsFollowed = 0
    static let callBudget = 2_000
    var budgetReported = false
}

/// Where a checker reports. Scripts inside scripts (`bash -c '...'`, here-documents, `os.system("...")`) are
/// checked with a nested reporter that maps their line numbers back to the outer script's.
struct DangerReporter {
    let collector: DangerCollector
    let mapLine: @Sendable (Int) -> Int
    /// How deep in nested scripts we are; checkers stop descending at `maxDepth` so hostile input cannot recurse.
    let depth: Int
    static let maxDepth = 8
    /// The script's positional arguments (`args:`), when the caller knows them; nested scripts get none.
    let args: [String]?
    /// The environment the script runs with (`env:`): known values of variables, inherited by nested scripts.
    let env: [String: String]

    init(collector: DangerCollector, args: [String]? = nil, env: [String: String] = [:]) {
        self.collector = collector
        self.mapLine = { $0 }
        self.depth = 0
        self.args = args
        self.env = env
    }

    private init(collector: DangerCollector, mapLine: @escaping @Sendable (Int) -> Int, depth: Int, env: [String: String]) {
        self.collector = collector
        self.mapLine = mapLine
        self.depth = depth
        self.args = nil
        self.env = env
    }

    var canNest: Bool { depth < DangerReporter.maxDepth }

    /// Reports that a nested script is past the depth the checker reads: it cannot be checked, so it is refused.
    func tooDeep(line: Int, _ construct: String) {
        report(DangerPolicy.uncheckedRuleID, line: line,
               "\(construct) is nested more than \(DangerReporter.maxDepth) deep: too deep to check")
    }

    /// Reports something whose effect cannot be known before it runs (the message names the construct).
    func unchecked(line: Int, _ message: String) {
        report(DangerPolicy.uncheckedRuleID, line: line, message)
    }

    func report(_ ruleID: String, line: Int, _ message: String) {
        collector.hits.append(.init(ruleID: ruleID, line: mapLine(line), message: message))
    }

    /// For a script given as one argument (`bash -c "..."`): every inner line is the outer `line`.
    func nested(atLine line: Int) -> DangerReporter {
        let outer = mapLine(line)
        return DangerReporter(collector: collector, mapLine: { _ in outer }, depth: depth + 1, env: env)
    }

    /// For a script whose first line is the outer `startLine` (a here-document body).
    func nested(startingAt startLine: Int) -> DangerReporter {
        let map = mapLine
        return DangerReporter(collector: collector, mapLine: { map(startLine + $0 - 1) }, depth: depth + 1, env: env)
    }
}
