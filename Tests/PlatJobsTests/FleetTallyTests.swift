import Foundation
import PlatEngine
import PlatLang
import PlatTestKit
import Testing
@testable import PlatJobs

/// The result value of a fleet effect: complete on a small fleet, and on a large one counts, the failed
/// hosts' names and at most `detailLimit` full outcomes, so neither memory nor the step's journal entry grows
/// with every host's output.
struct FleetTallyTests {
    func outcome(_ i: Int, _ status: HostOutcome.Status) -> HostOutcome {
        HostOutcome(host: "h\(i)", status: status, exitCode: status == .ok ? 0 : 1,
                    stdout: "output of h\(i) " + String(repeating: "x", count: 200), stderr: status == .ok ? "" : "broke on h\(i)",
                    duration: 0.01)
    }

    func field(_ v: Value, _ name: String) -> Value? {
        guard case .map(let m) = v else { return nil }
        return m.get(.string(name))
    }

    func listedHosts(_ v: Value) -> [String] {
        guard case .list(let xs)? = field(v, "hosts") else { return [] }
        return xs.compactMap { if case .string(let s)? = field($0, "host") { return s } else { return nil } }
    }

    @Test func smallFleetListsEveryHostWithItsOutput() {
        var t = FleetTally(total: 5)
        for i in [3, 0, 4, 1, 2] { t.add(outcome(i, i == 2 ? .failed : .ok), at: i) }
        let v = t.summary(batches: 1)
        #expect(listedHosts(v) == ["h0", "h1", "h2", "h3", "h4"])
        #expect(field(v, "hosts_omitted") == .int(0))
        #expect(field(v, "ok") == .int(4) && field(v, "failed") == .int(1) && field(v, "total") == .int(5))
        guard case .list(let xs)? = field(v, "hosts") else { Issue.record("no hosts list"); return }
        #expect(field(xs[0], "stdout") == .string("output of h0 " + String(repeating: "x", count: 200)))
    }

    @Test func largeFleetKeepsNoOutputOfHostsThatSucceeded() throws {
        let total = 20_000
        var t = FleetTally(total: total)
        for i in 0..<total { t.add(outcome(i, .ok), at: i) }
        let v = t.summary(batches: 1)
        #expect(listedHosts(v).isEmpty)
        #expect(field(v, "hosts_omitted") == .int(total))
        #expect(field(v, "ok") == .int(total) && field(v, "failed_hosts") == .list([]))
        // The step's journal entry is this value: a few hundred bytes, not 200+ bytes of output per host.
        #expect(try ValueCodec.encode(v).utf8.count < 1_000)
    }

    @Test func largeFleetListsTheFirstFailedHostsInHostOrder() {
        let total = 5_000
        let failing = Set(stride(from: 0, to: total, by: 2))      // 2,500 failures, more than the limit
        var t = FleetTally(total: total, detailLimit: 100)
        // Completion order is not host order: add from the end.
        for i in (0..<total).reversed() { t.add(outcome(i, failing.contains(i) ? .failed : .ok), at: i) }
        let v = t.summary(batches: 3)
        #expect(listedHosts(v) == (0..<100).map { "h\($0 * 2)" })
        #expect(field(v, "hosts_omitted") == .int(total - 100))
        #expect(field(v, "failed") == .int(failing.count))
        guard case .list(let names)? = field(v, "failed_hosts") else { Issue.record("no failed_hosts"); return }
        #expect(names.count == failing.count && names.first == .string("h0") && names.last == .string("h4998"))
        guard case .list(let xs)? = field(v, "hosts") else { return }
        #expect(field(xs[1], "stderr") == .string("broke on h2"))
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func largeFleetInAnyCompletionOrderListsTheFirstFailedHosts(seed: UInt64) {
        let total = 4_000
        var random = SeededRandom(seed: seed)
        var order = Array(0..<total)
        for i in stride(from: total - 1, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        let failing = Set(order.prefix(1_500))
        var t = FleetTally(total: total, detailLimit: 50)
        for i in order { t.add(outcome(i, failing.contains(i) ? .failed : .ok), at: i) }
        #expect(listedHosts(t.summary(batches: 1)) == failing.sorted().prefix(50).map { "h\($0)" })
    }

    @Test func theLimitIsInclusive() {
        var t = FleetTally(total: 3, detailLimit: 3)
        for i in 0..<3 { t.add(outcome(i, .ok), at: i) }
        #expect(listedHosts(t.summary(batches: 1)).count == 3)
        var u = FleetTally(total: 4, detailLimit: 3)
        for i in 0..<4 { u.add(outcome(i, i == 3 ? .timeout : .ok), at: i) }
        let v = u.summary(batches: 1)
        #expect(listedHosts(v) == ["h3"] && field(v, "hosts_omitted") == .int(3) && field(v, "timeout") == .int(1))
    }
}
