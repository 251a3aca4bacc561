import Foundation
import PlatLang
import PlatStore

/// `approve(message, approvers: [...], quorum: n, timeout: d, on_timeout: "fail"|"approve", allow_self: true)`:
/// parks the run until enough people say yes (`platflow approve RUN`), anyone says no (`--reject`), or the
/// timeout passes. Returns {approved, by, comments, timed_out}; a rejection or a timeout with
/// on_timeout: "fail" is a runtime error of the step.
public final class ApproveEffect: DurableEffect {
    public init() {}
    public let kind = EffectKind.external
    public let spec = EffectSpec(name: "approve", params: ["message", "approvers", "quorum", "timeout", "on_timeout", "allow_self"],
                          required: 1, summary: "waits for people to approve; fails when rejected",
                          choices: ["on_timeout": ["fail", "approve"]])

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let m = call.args.named.first { $0.name == "message" }?.value.printed ?? ""
        return (["would wait for approval: \(m)"],
                Value.makeMap([("approved", .bool(true)), ("by", .list([])), ("comments", .list([])), ("timed_out", .bool(false))]))
    }

    public func perform(_ ctx: EffectContext) throws -> Value {
        let book = ApprovalBook(db: ctx.store.db)
        let existing = try book.request(runID: ctx.runID, key: ctx.key.text)
        if ctx.inFlight == nil || existing == nil {
            try open(ctx, book)
        }
        while true {
            switch try book.state(runID: ctx.runID, key: ctx.key.text) {
            case .pending(let request):
                if ctx.waitPolicy == .park {
                    try ctx.store.park(ctx.runID, as: .waiting, wakeAt: request.timeoutAt)
                    throw RunInterruption(reason: .parked(.waiting))
                }
                try ctx.store.setStatus(ctx.runID, .waiting)
                do {
                    try ctx.waitUntil(min(RunStore.now() + 0.25, request.timeoutAt ?? .infinity))
                } catch let i as RunInterruption {
                    if case .stopped = i.reason {
                        try ctx.store.park(ctx.runID, as: .waiting, wakeAt: request.timeoutAt)
                        throw RunInterruption(reason: .parked(.waiting))
                    }
                    throw i
                }
            case .approved(let by, let comments, let timedOut):
                try ctx.store.setStatus(ctx.runID, .running)
                let v = Value.makeMap([("approved", .bool(true)), ("by", .list(by.map { .string($0) })),
                                       ("comments", .list(comments.map { .string($0) })), ("timed_out", .bool(timedOut))])
                ctx.event(timedOut ? "approval timed out; approved by default" : "approved by \(by.joined(separator: ", "))")
                return v
            case .rejected(let who, let comment):
                try ctx.store.setStatus(ctx.runID, .running)
                throw RuntimeError("approval rejected by \(who)" + (comment.isEmpty ? "" : ": \(comment)"))
            case .timedOut:
                try ctx.store.setStatus(ctx.runID, .running)
                throw RuntimeError("approval timed out with no decision", hint: "pass on_timeout: \"approve\" to go on when nobody answers")
            }
        }
    }

    private func open(_ ctx: EffectContext, _ book: ApprovalBook) throws {
        let args = ctx.args
        let message = try args.require("message", .string)
        let approvers = try args.get("approvers", .strings) ?? []
        let quorum = try args.get("quorum", .int) ?? 1
        if quorum < 1 { throw RuntimeError("approve() quorum must be an int of at least 1") }
        if !approvers.isEmpty && quorum > approvers.count {
            throw RuntimeError("approve() quorum \(quorum) is more than the \(approvers.count) approvers listed")
        }
        var timeoutAt: Double? = nil
        if let ms = try args.get("timeout", .duration) {
            guard ms > 0 else { throw RuntimeError("approve() timeout must be a positive duration") }
            timeoutAt = RunStore.now() + Double(ms) / 1000
        }
        let onTimeout = try args.get("on_timeout", .string) ?? "fail"
        guard onTimeout == "fail" || onTimeout == "approve" else {
            throw RuntimeError("approve() on_timeout must be \"fail\" or \"approve\"")
        }
        let allowSelf = try args.get("allow_self", .bool) ?? true
        // The journal says started already; a crash before this request exists opens it on resume.
        try book.open(runID: ctx.runID, key: ctx.key.text, message: message, approvers: approvers, quorum: quorum,
                      allowSelf: allowSelf, timeoutAt: timeoutAt, onTimeout: onTimeout)
        ctx.event("waiting for approval: \(message) (platflow approve \(ctx.runID))"
                  + (ctx.waitPolicy == .wait ? "; Ctrl-C parks the run" : ""), kind: .warning)
    }
}

/// Approval requests and decisions, shared by the effect and `platflow approve`.
public struct ApprovalBook {
    public let db: Database
    public init(db: Database) { self.db = db }

    public struct Request: Sendable {
        public let runID: String
        public let key: String
        public let message: String
        public let approvers: [String]
        public let quorum: Int
        public let allowSelf: Bool
        public let timeoutAt: Double?
        public let onTimeout: String
        public let status: String
        /// When the run first asked (seconds since 1970).
        public let requestedAt: Double
        /// The step that asked: the key without its `#counter`.
        public var step: String { key.lastIndex(of: "#").map { String(key[..<$0]) } ?? key }
    }

    public enum State {
        case pending(Request)
        case approved(by: [String], comments: [String], timedOut: Bool)
        case rejected(by: String, comment: String)
        case timedOut
    }

    func open(runID: String, key: String, message: String, approvers: [String], quorum: Int, allowSelf: Bool,
              timeoutAt: Double?, onTimeout: String) throws {
        let list = String(decoding: try JSONEncoder().encode(approvers), as: UTF8.self)
        try db.execute("""
            INSERT OR IGNORE INTO engine_approvals (run_id, key, message, approvers, quorum, allow_self, timeout_at,
            on_timeout, status, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
            """, runID, key, message, list, quorum, allowSelf, timeoutAt, onTimeout, RunStore.now())
    }

    public func request(runID: String, key: String) throws -> Request? {
        try db.queryOne("SELECT * FROM engine_approvals WHERE run_id = ? AND key = ?", runID, key).map(Self.request)
    }

    /// The oldest undecided request of a run.
    public func pending(runID: String) throws -> Request? {
        try db.queryOne("SELECT * FROM engine_approvals WHERE run_id = ? AND status = 'pending' ORDER BY requested_at LIMIT 1",
                        runID).map(Self.request)
    }

    /// Every undecided request of a run that is still going (a cancelled or failed run's leftovers wait for
    /// nobody), oldest first.
    public func waiting() throws -> [Request] {
        try db.query("""
            SELECT a.* FROM engine_approvals a JOIN engine_runs r ON r.id = a.run_id
            WHERE a.status = 'pending' AND r.status NOT IN ('succeeded', 'failed', 'cancelled') ORDER BY a.requested_at
            """).map(Self.request)
    }

    /// How many have approved a request so far.
    public func approvals(runID: String, key: String) throws -> [String] {
        try db.query("SELECT who FROM engine_approval_decisions WHERE run_id = ? AND key = ? AND decision = 'approve' ORDER BY id",
                     runID, key).compactMap { $0.string("who") }
    }

    static func request(_ r: Row) -> Request {
        let approvers = (try? JSONDecoder().decode([String].self, from: Data((r.string("approvers") ?? "[]").utf8))) ?? []
        return Request(runID: r.string("run_id") ?? "", key: r.string("key") ?? "", message: r.string("message") ?? "",
                       approvers: approvers, quorum: Int(r.int("quorum") ?? 1), allowSelf: r.bool("allow_self") ?? true,
                       timeoutAt: r.double("timeout_at"), onTimeout: r.string("on_timeout") ?? "fail",
                       status: r.string("status") ?? "pending", requestedAt: r.double("requested_at") ?? 0)
    }

    /// Where a request stands, from its decisions and the clock.
    public func state(runID: String, key: String) throws -> State {
        guard let req = try request(runID: runID, key: key) else { return .timedOut }
        let decisions = try db.query("""
            SELECT who, decision, comment FROM engine_approval_decisions WHERE run_id = ? AND key = ? ORDER BY id
            """, runID, key)
        if let no = decisions.first(where: { $0.string("decision") == "reject" }) {
            try mark(req, "rejected")
            return .rejected(by: no.string("who") ?? "", comment: no.string("comment") ?? "")
        }
        let yes = decisions.filter { $0.string("decision") == "approve" }
        if yes.count >= req.quorum {
            try mark(req, "approved")
            return .approved(by: yes.compactMap { $0.string("who") }, comments: yes.compactMap { $0.string("comment") }.filter { !$0.isEmpty },
                             timedOut: false)
        }
        if let t = req.timeoutAt, RunStore.now() >= t {
            try mark(req, "timed_out")
            return req.onTimeout == "approve" ? .approved(by: [], comments: [], timedOut: true) : .timedOut
        }
        return .pending(req)
    }

    private func mark(_ req: Request, _ status: String) throws {
        if req.status == "pending" {
            try db.execute("UPDATE engine_approvals SET status = ?, decided_at = ? WHERE run_id = ? AND key = ?",
                           status, RunStore.now(), req.runID, req.key)
        }
    }

    /// Records one person's decision; refuses people not on the list, the run's starter when the plan asked
    /// for separation of duties, and second votes. `decidedBy` is the account that made a decision for `who`
    /// (delegation, when the database's owner allows it); nil when `who` decided themselves.
    public func decide(_ req: Request, who: String, decidedBy: String? = nil, approve: Bool, comment: String,
                       startedBy: String) throws {
        if !req.approvers.isEmpty && !req.approvers.contains(who) {
            throw EngineError(.usage, "\(who) is not an approver of this request; approvers: \(req.approvers.joined(separator: ", "))",
                              hint: "one of them must run `platflow approve \(req.runID)` under their own account")
        }
        if !req.allowSelf && (who == startedBy || decidedBy == startedBy) {
            throw EngineError(.usage, "\(decidedBy == startedBy ? decidedBy! : who) started this run and the plan does not allow approving one's own run",
                              hint: "someone else must approve it (allow_self: false)")
        }
        do {
            try db.execute("""
                INSERT INTO engine_approval_decisions (run_id, key, who, decision, comment, at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, req.runID, req.key, who, approve ? "approve" : "reject", comment, RunStore.now(), decidedBy)
        } catch let e as DatabaseError where e.isConstraint {
            throw EngineError(.usage, "\(who) has already decided on this request")
        }
    }

    public func decisions(runID: String) throws -> [(who: String, decision: String, comment: String, at: Double)] {
        try db.query("SELECT who, decision, comment, at FROM engine_approval_decisions WHERE run_id = ? ORDER BY id", runID)
            .map { ($0.string("who") ?? "", $0.string("decision") ?? "", $0.string("comment") ?? "", $0.double("at") ?? 0) }
    }

    /// Who decided for whom: `decidedBy` is the account that recorded a delegated decision, nil otherwise.
    public func deciders(runID: String) throws -> [(who: String, decidedBy: String?)] {
        try db.query("SELECT who, decided_by FROM engine_approval_decisions WHERE run_id = ? ORDER BY id", runID)
            .map { ($0.string("who") ?? "", $0.string("decided_by")) }
    }
}

/// A pause that only a person can lift, for effects other than `approve` (a rolling step that stops after a
/// failed batch, a manual batch gate). Opens a request under `key` once; returns true when approved, false when
/// rejected; parks the run (worker) or polls (foreground) while undecided.
public enum ApprovalGate {
    public static func wait(_ ctx: EffectContext, key: String, message: String) throws -> Bool {
        let book = ApprovalBook(db: ctx.store.db)
        if try book.request(runID: ctx.runID, key: key) == nil {
            try book.open(runID: ctx.runID, key: key, message: message, approvers: [], quorum: 1, allowSelf: true,
                          timeoutAt: nil, onTimeout: "fail")
            ctx.event("waiting: \(message) (platflow approve \(ctx.runID))"
                      + (ctx.waitPolicy == .wait ? "; Ctrl-C parks the run" : ""), kind: .warning)
        }
        while true {
            switch try book.state(runID: ctx.runID, key: key) {
            case .pending:
                if ctx.waitPolicy == .park {
                    try ctx.store.park(ctx.runID, as: .waiting, wakeAt: nil)
                    throw RunInterruption(reason: .parked(.waiting))
                }
                try ctx.store.setStatus(ctx.runID, .waiting)
                do {
                    try ctx.waitUntil(RunStore.now() + 0.25)
                } catch let i as RunInterruption {
                    if case .stopped = i.reason {
                        try ctx.store.park(ctx.runID, as: .waiting, wakeAt: nil)
                        throw RunInterruption(reason: .parked(.waiting))
                    }
                    throw i
                }
            case .approved:
                try ctx.store.setStatus(ctx.runID, .running)
                return true
            case .rejected, .timedOut:
                try ctx.store.setStatus(ctx.runID, .running)
                return false
            }
        }
    }

    /// `platflow retry` on a run paused by a gate: forget the gate's request, so the effect decides again.
    public static func forget(db: Database, runID: String) throws {
        try db.execute("DELETE FROM engine_approvals WHERE run_id = ? AND status = 'pending'", runID)
    }
}
