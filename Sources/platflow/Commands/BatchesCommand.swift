import Foundation
import PlatJobs
import PlatLang

/// `platflow batches EXPR --hosts N [--json]`: the batch sizes a rolling expression makes, for scripts and docs.
enum BatchesCommand {
    static let spec = CommandSpec(
        name: "batches",
        summary: "Print the batch sizes a rolling expression makes for N hosts.",
        usage: ["platflow batches EXPR --hosts N [--json]"],
        flags: [
            FlagSpec(name: "hosts", short: "n", value: "N", help: "how many target hosts (0 or more)"),
            FlagSpec(name: "json", help: "print a JSON list ([5,10,20,40,25]) instead of comma-separated sizes"),
        ],
        examples: [
            "platflow batches \"5 *2\" --hosts 100             # 5,10,20,40,25",
            "platflow batches \"1 30% 100%\" --hosts 100       # 1,30,69",
            "platflow batches 1,10%,100% --hosts 20 --json   # [1,2,17]",
        ],
        details: """
            EXPR is the `rolling:` value of a script or copy step: parts separated by spaces or commas, each one
              N     that many hosts                   20      → 20,20,20,20,20 for 100 hosts
              N%    ceil(N% of ALL targets), never 0  30%     → 30,30,30,10
              +N    the previous batch plus N         5 +10   → 5,15,25,35,20
              *N    the previous batch times N        5 *2    → 5,10,20,40,25
            The last part repeats until every host is in a batch; the final batch is whatever remains, and hosts
            keep the order given. At most 500 batches. 0, 0%, 101%, +0, *0, 1.5 and empty parts are errors, and
            +N or *N cannot come first. Quote EXPR in the shell (a bare * is a glob). An expression that starts
            with `-` goes after the flags and `--`: platflow batches --hosts 10 -- "-1" (it is an error anyway).
            Exit codes: 0 printed, 2 bad expression or host count (the error names the part and its column).
            """,
        opensDatabase: false,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) throws -> Int32 {
        guard !args.positional.isEmpty else {
            throw UsageError("batches needs a rolling expression", hint: "platflow batches \"1 10% 100%\" --hosts 50")
        }
        // Several words are one expression (`platflow batches 5 '*2' --hosts 100`).
        let expression = args.positional.joined(separator: " ")
        guard let hostsText = args.value("hosts") else {
            throw UsageError("batches needs the number of hosts", hint: "platflow batches \"\(expression)\" --hosts 100")
        }
        guard let hosts = Int(hostsText.trimmingCharacters(in: .whitespaces)), hosts >= 0 else {
            throw UsageError("--hosts expects a whole number of hosts (0 or more), got '\(hostsText)'",
                             hint: "platflow batches \"\(expression)\" --hosts 100")
        }
        do {
            let sizes = try RollingPlan(expression).batchSizes(total: hosts)
            let list = sizes.map(String.init).joined(separator: ",")
            terminal.out(args.has("json") ? "[\(list)]\n" : "\(list)\n")
            return ExitCode.ok
        } catch let e as RollingError {
            throw UsageError(describe(e), hint: e.hint)
        }
    }

    /// The error with the expression echoed and a caret under the bad part.
    static func describe(_ e: RollingError) -> String {
        guard let position = e.position, position >= 1 else { return e.description }
        let shown = e.expression.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : String($0) }.joined()
        let width = max(1, e.part.count)
        return e.description + "\n  " + shown + "\n  " + String(repeating: " ", count: position - 1)
            + String(repeating: "^", count: width)
    }
}
