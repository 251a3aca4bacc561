import Foundation
import PlatStore

/// A row of an import after parsing, before it touches the database.
struct ParsedRow: Sendable {
    var line: Int
    /// Built-in columns by index: nil when the file does not give the column, `.null` when it gives it empty.
    var slots: [CMDBValue?]
    var custom: [String: CMDBValue]
    var problems: [ImportProblem]
    /// Filled by the reading thread for a good row, so that the writing thread, the import's bottleneck, only
    /// binds: the values of `CMDB.insertHostSQL` in order, and the IP index's keys.
    var insert = PackedRow()
    var ipKeys: [IPKey] = []
    /// The inner and outer IPs' addresses when parsing the cells gave them (CSV), in the lists' order.
    var innerAddresses: [IPAddress]? = nil
    var outerAddresses: [IPAddress]? = nil
    /// What the writer decides by: the cloud area, static or dynamic addressing, the hostname.
    var cloud: Int64 = 0
    var dynamic = false
    var hostname: String? = nil
    /// The host's full-text document, as `CMDBSchema.poolHostDocument` builds it for a new host.
    var doc: [UInt8] = []
}

/// One row of the IP index: the address and whether it is an inner IP.
struct IPKey: Sendable {
    let address: IPAddress
    let inner: Bool
}

/// What the reading thread hands the writing thread: rows, or the end (with the problem that ended the
/// reading early, if any).
enum ImportBatch: Sendable {
    /// Rows, and how far into the file they reach (bytes).
    case rows([ParsedRow], position: Int)
    case end(ImportProblem?)
}

/// A queue of at most `capacity` items between one producer and one consumer: the reader parses the next
/// rows while the writer inserts the previous ones, and memory holds only `capacity` batches.
final class BoundedQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private let capacity: Int
    private let condition = NSCondition()
    private var closed = false

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the consumer has gone (the producer should stop).
    func put(_ item: T) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits for an item; nil once the queue is closed.
    func take() -> T? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if closed { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// One side stops early (an error): wakes and stops the other.
    func close() {
        condition.lock()
        closed = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
