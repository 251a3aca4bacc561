import Foundation
import PlatEngine
import PlatLang

/// `platflow config`: the settings of one database that its owner decides (approval delegation).
enum ConfigCommand {
    static let spec = CommandSpec(
        name: "config",
        summary: "Settings of the database that only its owner may change (approval delegation).",
        subcommands: [list, set],
        examples: ["platflow config list", "platflow config set approvals.delegation on"],
        details: """
            The owner is the account that owns the database file (or root). Settings:
            \(EngineSettings.known.map { "  \($0.key) (\($0.values.joined(separator: "|")), default \($0.defaultValue)): \($0.summary)" }.joined(separator: "\n"))
            """)

    static let list = CommandSpec(
        name: "list",
        summary: "Every setting, its value, and who set it.",
        usage: ["platflow config list [--json]"],
        flags: [FlagSpec(name: "json", help: "JSON output")],
        examples: ["platflow config list"]) { args, terminal in
            let store = try EngineSession.open(args)
            let all = try EngineSettings(db: store.db).all()
            if args.has("json") {
                terminal.out(jsonText(all.map { ["key": $0.setting.key, "value": $0.value, "set_by": $0.setBy ?? NSNull(),
                                                 "set_at": $0.setAt ?? NSNull()] as [String: Any] }))
                return ExitCode.ok
            }
            var t = Table(header: ["SETTING", "VALUE", "SET BY", "MEANING"])
            for s in all { t.rows.append([s.setting.key, s.value, s.setBy ?? "(default)", s.setting.summary]) }
            terminal.out(t.render())
            return ExitCode.ok
        }

    static let set = CommandSpec(
        name: "set",
        summary: "Change a setting (only the database's owner may).",
        usage: ["platflow config set KEY VALUE"],
        flags: [],
        examples: ["platflow config set approvals.delegation on", "platflow config set approvals.delegation off"]) { args, terminal in
            guard args.positional.count == 2 else {
                throw UsageError("config set needs a setting and a value",
                                 hint: "platflow config set approvals.delegation on")
            }
            let store = try EngineSession.open(args)
            try EngineSettings(db: store.db).set(args.positional[0], to: args.positional[1])
            terminal.out("\(args.positional[0]) = \(args.positional[1])\n")
            return ExitCode.ok
        }
}
