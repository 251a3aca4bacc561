import Foundation
import PlatStore

/// An applied subscription (`on EVENT where FILTER run PLAN(args)`), as `schedule list` shows it beside the
/// schedules: what it listens to, what it starts, and how far it has read.
public struct SubscriptionRecord: Sendable {
    public let name: String
    public let file: String
    public let event: String
    public let filter: String?
    public let plan: String
    public let args: [String: String]
    /// The last event position it has taken.
    public let cursor: Int64
    /// Runs it has started so far.
    public let delivered: Int

    init(_ row: Row, delivered: Int) {
        name = row.string("name") ?? ""
        file = row.string("file") ?? ""
        event = row.string("event") ?? ""
        filter = row.string("filter")
        plan = row.string("plan") ?? ""
        args = (try? JSONDecoder().decode([String: String].self, from: Data((row.string("args") ?? "{}").utf8))) ?? [:]
        cursor = row.int("cursor") ?? 0
        self.delivered = delivered
    }
}

extension ScheduleStore {
    /// Every applied subscription, by name.
    public func subscriptions() throws -> [SubscriptionRecord] {
        var delivered: [String: Int] = [:]
        for r in try db.query("SELECT subscription, COUNT(*) AS n FROM engine_subscription_deliveries WHERE run_id IS NOT NULL GROUP BY subscription") {
            delivered[r.string("subscription") ?? ""] = Int(r.int("n") ?? 0)
        }
        return try db.query("SELECT * FROM engine_subscriptions ORDER BY name").map {
            SubscriptionRecord($0, delivered: delivered[$0.string("name") ?? ""] ?? 0)
        }
    }
}
