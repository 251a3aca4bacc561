import Foundation
import PlatStore

/// One `print` line of a run, held until the next write.
struct BufferedLog {
    let runID: String
    let at: Double
    let step: String
    let text: String
}

extension RunStore {
    /// Lines held at most this many, or this many seconds, before they are written.
    static let outputBatchLimit = 512
    static let outputBatchSeconds = 0.25

    /// Records a line the program printed. A program may print thousands of lines, and a record apiece (one
    /// commit each) cost far more than the printing, so lines are held and written together: before any other
    /// write of this store (a step record, an event, the run's outcome), before every effect is journaled
    /// (`DurableEffects` flushes first), when 512 are held or the oldest is a quarter of a second old, and when
    /// the store goes away. What the terminal shows is never held. A crash of the process can lose only lines
    /// printed since the last of those moments, which a resumed run does not print again either.
    public func bufferOutput(_ id: String, step: String, text: String) throws {
        let now = RunStore.now()
        if bufferedOutput.isEmpty { bufferedSince = now }
        bufferedOutput.append(BufferedLog(runID: id, at: now, step: step, text: text))
        if bufferedOutput.count >= RunStore.outputBatchLimit || now - bufferedSince >= RunStore.outputBatchSeconds {
            try flushOutput()
        }
    }

    /// Writes the held lines in one commit (bookkeeping: it does not wait for the disk on its own).
    public func flushOutput() throws {
        guard !bufferedOutput.isEmpty else { return }
        let lines = bufferedOutput
        bufferedOutput.removeAll(keepingCapacity: true)
        try db.withoutWaitingForDisk {
            try db.transaction {
                for l in lines {
                    try db.execute("INSERT INTO engine_logs (run_id, at, step, host, kind, text) VALUES (?, ?, ?, NULL, 'out', ?)",
                                   l.runID, l.at, l.step, l.text)
                }
            }
        }
    }
}
