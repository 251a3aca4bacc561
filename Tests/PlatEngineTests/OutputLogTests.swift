import Foundation
import Testing

/// A run's printed lines are recorded in batches (`RunStore.bufferOutput`): none may be lost or reordered
/// against steps and effects.
@Suite(.serialized)
struct OutputLogTests {
    @Test("every printed line is in the run's log, in order, around effects and steps")
    func printedLinesAreLogged() throws {
        let dir = try Binary.tempDir("printlog")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            plan main() {
                for i in range(1500) {
                    print("line \\(i)")
                }
                let t = now()
                step "s" {
                    for i in range(3) {
                        print("in step \\(i)")
                    }
                }
                print("last")
            }
            """.write(to: dir.appendingPathComponent("p.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("p.db").path
        let (code, out, err) = try Binary.run(["run", "p.plat", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        #expect(out.split(separator: "\n").count == 1504)
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let (lc, logs, _) = try Binary.run(["logs", id, "--db", db], in: dir)
        #expect(lc == 0)
        let lines = logs.split(separator: "\n").map(String.init)
        let printed = lines.filter { $0.contains("line ") || $0.contains("in step ") || $0.hasSuffix("last") }
        #expect(printed.count == 1504)
        for i in [0, 1, 511, 512, 513, 1499] {
            #expect(lines.contains { $0.hasSuffix("line \(i)") }, "line \(i) missing")
        }
        func position(_ suffix: String) -> Int? { lines.firstIndex { $0.hasSuffix(suffix) } }
        let order = ["line 0", "line 1499", "in step 0", "in step 2", "last"].map(position)
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
    }
}
