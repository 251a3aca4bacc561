import Foundation
import PlatEngine
import PlatLang

/// approvals: what waits for whom, across every run of the database.
enum ApprovalsCommand {
    static let spec = CommandSpec(
        name: "approvals",
        summary: "List the approvals runs are waiting for: run, step, message, approvers, since.",
        usage: ["platflow approvals [--json]"],
        flags: [
            FlagSpec(name: "json", help: "a JSON array (run, plan, step, message, approvers, quorum, approved_by, since, timeout_at, on_timeout)"),
        ],
        examples: ["platflow approvals", "platflow approvals --json"],
        details: """
            Only undecided requests of runs still going are listed, oldest first. APPROVERS is "anyone" when the
            plan named nobody; VOTES counts approvals so far against the quorum. Decide with `platflow approve RUN`.
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        do {
            if let extra = args.positional.first {
                throw UsageError("approvals takes no argument '\(extra)'", hint: "`platflow status RUN` shows one run's approval")
            }
            let store = try EngineSession.open(args)
            let book = ApprovalBook(db: store.db)
            var rows: [(request: ApprovalBook.Request, plan: String?, approvedBy: [String])] = []
            for req in try book.waiting() {
                rows.append((req, try store.run(req.runID)?.plan, try book.approvals(runID: req.runID, key: req.key)))
            }
            if args.has("json") {
                terminal.out(jsonText(rows.map { row -> [String: Any] in
                    let r = row.request
                    return ["run": r.runID, "plan": row.plan ?? NSNull(), "step": r.step, "message": r.message,
                            "approvers": r.approvers, "quorum": r.quorum, "approved_by": row.approvedBy, "since": r.requestedAt,
                            "timeout_at": r.timeoutAt ?? NSNull(), "on_timeout": r.onTimeout]
                }))
                return ExitCode.ok
            }
            if rows.isEmpty {
                terminal.err("no run is waiting for an approval in \(store.db.path)\n")
                return ExitCode.ok
            }
            var t = Table(header: ["RUN", "STEP", "MESSAGE", "APPROVERS", "VOTES", "SINCE"])
            for row in rows {
                let r = row.request
                t.rows.append([r.runID, r.step.isEmpty ? "-" : r.step, r.message,
                               r.approvers.isEmpty ? "anyone" : r.approvers.joined(separator: ","),
                               "\(row.approvedBy.count)/\(r.quorum)", localTime(r.requestedAt)])
            }
            terminal.out(t.render())
            return ExitCode.ok
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }
}
