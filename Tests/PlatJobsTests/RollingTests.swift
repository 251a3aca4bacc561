import Testing
@testable import PlatJobs

/// The rolling-batch expression: the issue's examples, the grammar's edges, errors with their columns,
/// the 500-batch cap, and `max_fail`.
struct RollingTests {
    // MARK: - Batch sizes

    @Test("the issue's examples for 100 hosts", arguments: [
        ("20", [20, 20, 20, 20, 20]),
        ("30%", [30, 30, 30, 10]),
        ("5 *2", [5, 10, 20, 40, 25]),
        ("5 +10", [5, 15, 25, 35, 20]),
        ("10 20 20 20 100%", [10, 20, 20, 20, 30]),
        ("1 30% 100%", [1, 30, 69]),
    ])
    func issueExamples(_ expression: String, _ expected: [Int]) throws {
        #expect(try RollingPlan(expression).batchSizes(total: 100) == expected)
    }

    @Test("edge cases", arguments: [
        ("1,10%,100%", 100, [1, 10, 89]),          // commas, as LANGUAGE.md writes it
        ("1, 10%, 100%", 100, [1, 10, 89]),        // a comma with spaces is one separator
        ("  5   *2  ", 100, [5, 10, 20, 40, 25]),  // runs of spaces are one separator
        ("5\t*2", 20, [5, 10, 5]),
        ("100%", 7, [7]),
        ("1%", 7, [1, 1, 1, 1, 1, 1, 1]),          // ceil, never 0
        ("10%", 5, [1, 1, 1, 1, 1]),
        ("33%", 10, [4, 4, 2]),                    // ceil(3.3) = 4
        ("50", 7, [7]),                            // never more than the hosts left
        ("3", 7, [3, 3, 1]),
        ("1 2 3", 3, [1, 2]),                      // unused parts are fine
        ("1 *1", 3, [1, 1, 1]),
        ("2 +1", 10, [2, 3, 4, 1]),
        ("1 *10", 1000, [1, 10, 100, 889]),
        ("5 *2", 1, [1]),
        ("5 *2", 0, []),                           // no targets, no batches
        ("20", 0, []),
        ("1 *9999999999", 50, [1, 49]),            // overflow saturates, then clamps
        ("1 *2", Int.max, RollingTests.doublings),         // no overflow on absurd totals
        ("00010", 25, [10, 10, 5]),
    ] as [(String, Int, [Int])])
    func edges(_ expression: String, _ total: Int, _ expected: [Int]) throws {
        let sizes = try RollingPlan(expression).batchSizes(total: total)
        #expect(sizes == expected)
        #expect(sizes.reduce(0, +) == max(total, 0))
        #expect(sizes.allSatisfy { $0 >= 1 })
    }

    /// 1, 2, 4, ... 2^62, then what is left of Int.max: 63 full batches and one more.
    static var doublings: [Int] {
        var out: [Int] = []
        var left = Int.max
        var size = 1
        while left > 0 {
            let s = min(size, left)
            out.append(s)
            left -= s
            size = size > Int.max / 2 ? Int.max : size * 2
        }
        return out
    }

    @Test func hostsKeepTheirOrder() throws {
        let hosts = (1...12).map { "web-\($0)" }
        let batches = try RollingPlan("1 *2").batches(hosts)
        #expect(batches.map(\.count) == [1, 2, 4, 5])
        #expect(batches.flatMap { $0 } == hosts)
        #expect(batches[1] == ["web-2", "web-3"])
        #expect(try RollingPlan("10%").batches([String]()).isEmpty)
    }

    @Test func negativeTotalsMakeNoBatches() throws {
        #expect(try RollingPlan("5").batchSizes(total: -3) == [])
    }

    @Test func descriptionIsNormalised() throws {
        #expect(try RollingPlan("1,10%,  100%").description == "1 10% 100%")
        #expect(try RollingPlan("5 *2").expression == "5 *2")
    }

    // MARK: - The 500-batch cap

    @Test func atMost500Batches() throws {
        #expect(try RollingPlan("1").batchSizes(total: 500).count == 500)
        #expect(try RollingPlan("1%").batchSizes(total: 100).count == 100)
        let error = #expect(throws: RollingError.self) { try RollingPlan("1").batchSizes(total: 501) }
        #expect(error?.position == nil)
        #expect(error?.description.contains("more than 500 batches") == true)
        #expect(error?.hint?.contains("%") == true)
        #expect(throws: RollingError.self) { try RollingPlan("1").batches(Array(0..<1000)) }
        // A growing plan covers huge fleets in few batches.
        #expect(try RollingPlan("1 *2").batchSizes(total: 1_000_000).count == 20)
    }

    // MARK: - Errors with their column

    @Test("bad expressions name the part and its column", arguments: [
        ("0", 1, "at least 1 host"),
        ("5 0", 3, "at least 1 host"),
        ("101%", 1, "at most 100%"),
        ("0%", 1, "at least 1%"),
        ("5 +0", 3, "at least 1"),
        ("5 *0", 3, "a multiplier must be at least 1"),
        ("1.5", 1, "whole number"),
        ("10 1.5%", 4, "whole number"),
        ("-1", 1, "negative"),
        ("5 -2", 3, "negative"),
        ("+5", 1, "cannot be the first part"),
        ("*2 5", 1, "cannot be the first part"),
        ("abc", 1, "expected a number"),
        ("5 x2", 3, "a multiplier is written *N"),
        ("10 %", 4, "% needs a number"),
        ("5 +", 3, "+ needs a number"),
        ("5 *", 3, "* needs a number"),
        ("5 +%", 3, "cannot be combined"),
        ("1,,2", 3, "empty part"),
        (",1", 1, "empty part"),
        ("1,", 2, "empty part"),
        ("1, ,2", 4, "empty part"),
        ("99999999999999999999", 1, "too large"),
        ("5 10%x", 3, "expected a number of hosts"),
        ("5 1x%", 3, "expected a whole number before %"),
    ] as [(String, Int, String)])
    func errors(_ expression: String, _ column: Int, _ reason: String) {
        let error = #expect(throws: RollingError.self) { try RollingPlan(expression) }
        #expect(error?.position == column, "\(expression)")
        #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
        #expect(error?.expression == expression)
    }

    @Test func emptyExpressions() {
        for e in ["", "   ", "\t"] {
            let error = #expect(throws: RollingError.self) { try RollingPlan(e) }
            #expect(error?.reason.contains("empty") == true)
            #expect(error?.position == nil)
        }
    }

    @Test func errorDescription() {
        let error = #expect(throws: RollingError.self) { try RollingPlan("5 *0") }
        #expect(error?.description == "batch \"5 *0\": *0 at column 3: a multiplier must be at least 1")
        let empty = #expect(throws: RollingError.self) { try RollingPlan("1,,2") }
        #expect(empty?.description.hasPrefix("batch \"1,,2\": column 3: ") == true)
        #expect(RollingError(expression: "x", position: nil, reason: "r").description == "batch \"x\": r")
    }

    @Test func hostileInputNeverCrashes() {
        let inputs = ["%", "+", "*", "%%", "1%%", "+-1", "*+1", "\u{0}", "５", "1\u{301}", "١٢", String(repeating: "1 ", count: 10_000),
                      String(repeating: ",", count: 100), "1e3", "0x10", "∞", "NaN", "1_000"]
        for s in inputs {
            if let plan = try? RollingPlan(s) {
                #expect((try? plan.batchSizes(total: 100))?.reduce(0, +) ?? 100 == 100)
            }
        }
    }

    // MARK: - max_fail

    @Test("failure limits parse", arguments: [
        ("10%", FailureLimit.percent(10)), ("3", .count(3)), ("0", .count(0)), (" 2.5% ", .percent(2.5)),
        ("100%", .percent(100)), ("0%", .percent(0)),
    ])
    func failureLimitParses(_ text: String, _ expected: FailureLimit) throws {
        #expect(try FailureLimit(text) == expected)
    }

    @Test("failure limits reject", arguments: ["", "  ", "-1", "101%", "abc", "1.5", "%", "-5%", "1..2%", ".5%", "10 %x",
                                               "99999999999999999999"])
    func failureLimitRejects(_ text: String) {
        let error = #expect(throws: FailureLimitError.self) { try FailureLimit(text) }
        #expect(error?.description.hasPrefix("max_fail \"\(text)\": ") == true)
    }

    @Test func failureLimitIsStrictlyGreater() throws {
        let ten = try FailureLimit("10%")
        #expect(!ten.isExceeded(failed: 3, total: 30))  // exactly 10%
        #expect(ten.isExceeded(failed: 4, total: 30))
        #expect(!ten.isExceeded(failed: 0, total: 0))
        #expect(ten.isExceeded(failed: 1, total: 0))
        let three = try FailureLimit("3")
        #expect(!three.isExceeded(failed: 3, total: 10))
        #expect(three.isExceeded(failed: 4, total: 10))
        #expect(try FailureLimit("0").isExceeded(failed: 1, total: 100))
        #expect(!(try FailureLimit("0").isExceeded(failed: 0, total: 100)))
        #expect(!(try FailureLimit("100%").isExceeded(failed: 100, total: 100)))
        #expect(try FailureLimit("0%").isExceeded(failed: 1, total: 1000))
        #expect(try FailureLimit("2.5%").isExceeded(failed: 26, total: 1000))
        #expect(!(try FailureLimit("2.5%").isExceeded(failed: 25, total: 1000)))
        #expect(try FailureLimit("10%").text == "10%")
        #expect(try FailureLimit("2.5%").text == "2.5%")
    }
}
