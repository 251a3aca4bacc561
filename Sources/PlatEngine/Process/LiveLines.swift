import Foundation

/// A command's output as whole lines while it runs: bytes from `ProcessSpec.onOutput` go in, complete lines come
/// out to `sink` (several lines at once, each ending in a newline), at most every `interval` seconds so a chatty
/// command does not cost a database commit per line. A part line waits for its end, or for `finish()`. At most
/// `cap` bytes per stream go out, as a run keeps at most that much of a command's output.
public final class LiveLines: @unchecked Sendable {
    public typealias Sink = (_ stderr: Bool, _ text: String) -> Void
    private let sink: Sink
    private let interval: Double
    private let cap: Int
    private let lock = NSLock()
    private var pending: [[UInt8]] = [[], []]
    private var sent = [0, 0]
    private var lastFlush = 0.0

    public init(interval: Double = 0.1, cap: Int = 1 << 20, sink: @escaping Sink) {
        self.sink = sink
        self.interval = interval
        self.cap = cap
    }

    /// For `ProcessSpec.onOutput`.
    public var listener: @Sendable (Bool, ArraySlice<UInt8>) -> Void {
        { [self] stderr, bytes in self.feed(stderr: stderr, bytes) }
    }

    public func feed(stderr: Bool, _ bytes: ArraySlice<UInt8>) {
        lock.lock()
        let s = stderr ? 1 : 0
        let room = max(0, cap - sent[s] - pending[s].count)
        pending[s].append(contentsOf: bytes.prefix(room))
        let now = Date().timeIntervalSince1970
        let due = now - lastFlush >= interval
        var out: [(Bool, String)] = []
        if due {
            lastFlush = now
            for i in 0..<2 {
                guard let end = pending[i].lastIndex(of: UInt8(ascii: "\n")) else { continue }
                out.append((i == 1, String(decoding: pending[i][...end], as: UTF8.self)))
                sent[i] += end + 1
                pending[i].removeSubrange(...end)
            }
        }
        lock.unlock()
        for (e, text) in out { sink(e, text) }
    }

    /// Everything still held, a last part line included.
    public func finish() {
        lock.lock()
        var out: [(Bool, String)] = []
        for i in 0..<2 where !pending[i].isEmpty {
            var text = String(decoding: pending[i], as: UTF8.self)
            if !text.hasSuffix("\n") { text += "\n" }
            out.append((i == 1, text))
            sent[i] += pending[i].count
            pending[i].removeAll()
        }
        lock.unlock()
        for (e, text) in out { sink(e, text) }
    }
}
