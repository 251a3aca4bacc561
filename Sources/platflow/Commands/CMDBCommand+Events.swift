import Foundation
import PlatCMDB
import PlatLang

/// `cmdb group|watch|retention|sync`.
extension CMDBCommand {
    // MARK: group

    static let group = CommandSpec(
        name: "group", summary: "Dynamic host groups: a saved filter with variables, resolved when used.",
        subcommands: [groupAdd, groupList, groupShow, groupHosts, groupDelete])

    static let groupAdd = leaf(
        "add", "Save a group: a filter, with variables declared (and given defaults) by --var.",
        usage: ["platflow cmdb group add NAME --where FILTER [--var NAME[=DEFAULT]]... [--replace]"],
        flags: [
            whereFlag,
            FlagSpec(name: "var", value: "NAME[=DEFAULT]", repeats: true, help: "declare a variable of the filter, with a default"),
            FlagSpec(name: "replace", help: "replace a group of that name"),
            actorFlag,
        ],
        examples: ["platflow cmdb group add web-prod --where 'module == \"web\" and env == $env' --var env=prod"]) { args, cmdb, terminal in
        try need(args.positional, 1, "group add NAME --where FILTER [--var NAME]")
        let name = args.positional[0]
        guard let filter = args.value("where") else { throw UsageError("group add needs --where FILTER") }
        try cmdb.addGroup(name, filter: filter, variables: args.values("var"), replace: args.has("replace"))
        let n = try cmdb.groupHosts(name).count
        terminal.out("saved group \(name) (\(n) host\(n == 1 ? "" : "s") now)\n")
        return ExitCode.ok
    }

    static let groupList = leaf(
        "list", "List the groups with their filters and variables.",
        usage: ["platflow cmdb group list [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb group list"]) { args, cmdb, terminal in
        if args.has("json") {
            terminal.out(jsonText(try cmdb.groups().map { g -> [String: Any] in
                ["name": g.name, "filter": g.filter,
                 "variables": Dictionary(uniqueKeysWithValues: g.variables.keys.map { ($0, describe(g.variables[$0])) })]
            }))
            return ExitCode.ok
        }
        var t = Table(header: ["GROUP", "FILTER", "VARIABLES"])
        for g in try cmdb.groups() {
            t.rows.append([g.name, g.filter, g.variables.keys.sorted().map { "\($0)=\(describe(g.variables[$0]))" }.joined(separator: " ")])
        }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let groupShow = leaf(
        "show", "Show a group's filter and variables.",
        usage: ["platflow cmdb group show NAME [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb group show web-prod"]) { args, cmdb, terminal in
        try need(args.positional, 1, "group show NAME")
        let g = try cmdb.group(args.positional[0])
        if args.has("json") {
            terminal.out(jsonText(["name": g.name, "filter": g.filter,
                                   "variables": Dictionary(uniqueKeysWithValues: g.variables.keys.map { ($0, describe(g.variables[$0])) }),
                                   "field_variables": g.fieldVariables.sorted()] as [String: Any]))
            return ExitCode.ok
        }
        var out = "group \(g.name)\n  filter  \(g.filter)\n"
        for k in g.variables.keys.sorted() {
            out += "  var     \(k) = \(describe(g.variables[k]))\(g.fieldVariables.contains(k) ? "  (the values \(k) is compared with)" : "")\n"
        }
        terminal.out(out)
        return ExitCode.ok
    }

    static let groupHosts = leaf(
        "hosts", "List the hosts a group selects now, its variables overridden by --var.",
        usage: ["platflow cmdb group hosts NAME [--var NAME=VALUE]... [--fields a,b] [--json]"],
        flags: [FlagSpec(name: "var", value: "NAME=VALUE", repeats: true, help: "override a variable of the group"), fieldsFlag, jsonFlag],
        examples: ["platflow cmdb group hosts web-prod --var env=test"]) { args, cmdb, terminal in
        try need(args.positional, 1, "group hosts NAME [--var NAME=VALUE]")
        var overrides: [String: FilterVariable] = [:]
        for spec in args.values("var") {
            guard let eq = spec.firstIndex(of: "=") else { throw UsageError("--var takes NAME=VALUE here, got '\(spec)'") }
            overrides[String(spec[..<eq])] = .text(String(spec[spec.index(after: eq)...]))
        }
        let hosts = try cmdb.groupHosts(args.positional[0], overrides: overrides)
        let fields = try cmdb.hostFields()
        if args.has("json") { terminal.out(hostJSON(hosts, fields)) } else if hosts.isEmpty { terminal.err("the group has no hosts now\n") } else {
            terminal.out(try hostTable(hosts, fields: args.value("fields"), allFields: fields))
        }
        return ExitCode.ok
    }

    static let groupDelete = leaf(
        "delete", "Delete a group.",
        usage: ["platflow cmdb group delete NAME"], flags: [actorFlag],
        examples: ["platflow cmdb group delete web-prod"]) { args, cmdb, terminal in
        try need(args.positional, 1, "group delete NAME")
        try cmdb.deleteGroup(args.positional[0])
        terminal.out("deleted group \(args.positional[0])\n")
        return ExitCode.ok
    }

    // MARK: watch, retention, sync

    static let watch = leaf(
        "watch", "Print change events (who, what, before and after) after a cursor; --follow keeps printing new ones.",
        usage: ["platflow cmdb watch [--from CURSOR] [--follow] [--json]"],
        flags: [
            FlagSpec(name: "from", value: "CURSOR", help: "the cursor to read after", defaultText: "the oldest kept; the newest with --follow"),
            FlagSpec(name: "follow", short: "f", help: "keep printing new events until Ctrl-C"),
            jsonFlag,
        ],
        examples: ["platflow cmdb watch --from 120 --follow", "platflow cmdb watch --json"]) { args, cmdb, terminal in
        try watchEvents(args.positional, args, cmdb, terminal)
    }

    static let retention = leaf(
        "retention", "Show or set how long change events are kept.",
        usage: ["platflow cmdb retention [DURATION]"],
        examples: ["platflow cmdb retention", "platflow cmdb retention 30d"]) { args, cmdb, terminal in
        if let text = args.positional.first {
            guard let seconds = parseDuration(text) else {
                throw UsageError("'\(text)' is not a duration", hint: "for example 7d, 36h or 90m")
            }
            try cmdb.setRetention(seconds)
            terminal.out("change events are now kept for \(text)\n")
        } else {
            let r = try cmdb.retention()
            terminal.out("change events are kept for \(r.truncatingRemainder(dividingBy: 86_400) == 0 ? "\(Int(r / 86_400))d" : "\(Int(r))s")\n")
        }
        return ExitCode.ok
    }

    static let sync = CommandSpec(
        name: "sync", summary: "Bring hosts in from an outside source.",
        subcommands: [
            leaf("aws-ec2", "Create and update hosts from `aws ec2 describe-instances` output (JSON, or YAML when FILE ends in .yaml or .yml); instances gone are marked missing.",
                 usage: ["platflow cmdb sync aws-ec2 FILE [--cloud N] [--json]"],
                 flags: [FlagSpec(name: "cloud", value: "N", help: "the cloud area of the hosts", defaultText: "0"), jsonFlag, actorFlag],
                 examples: ["platflow cmdb sync aws-ec2 instances.json --cloud 1"]) { args, cmdb, terminal in
                let rest = args.positional
                try need(rest, 1, "sync aws-ec2 FILE")
                let r = try cmdb.syncEC2(path: rest[0], cloudArea: try cloud(args) ?? 0)
                if args.has("json") {
                    terminal.out(jsonText(["created": r.created, "updated": r.updated, "unchanged": r.unchanged, "missing": r.missing,
                                           "skipped": r.skipped, "new_fields": r.newFields] as [String: Any]))
                    return ExitCode.ok
                }
                for c in r.created { terminal.out("created  \(c)\n") }
                for u in r.updated { terminal.out("updated  \(u)\n") }
                for m in r.missing { terminal.out("missing  \(m)  (marked state=missing, kept)\n") }
                for s in r.skipped { terminal.out("skipped  \(s)\n") }
                if !r.newFields.isEmpty { terminal.out("new custom fields for tags: \(r.newFields.joined(separator: ", "))\n") }
                terminal.err("\(r.created.count) created, \(r.updated.count) updated, \(r.unchanged) unchanged, \(r.missing.count) missing\n")
                return ExitCode.ok
            },
        ])

    static func describe(_ v: FilterVariable?) -> String {
        switch v {
        case .text(let t)?: return t
        case .literal(let l)?: return l.description
        case .list(let ls)?: return "[" + ls.map(\.description).joined(separator: ", ") + "]"
        case nil: return "-"
        }
    }

    /// `7d`, `36h`, `90m`, `45s`, or a sum such as `1d12h`.
    static func parseDuration(_ text: String) -> Double? {
        var total = 0.0, number = "", any = false
        for c in text {
            if c.isNumber { number.append(c); continue }
            guard let n = Double(number) else { return nil }
            switch c {
            case "d": total += n * 86_400
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            default: return nil
            }
            number = ""
            any = true
        }
        return any && number.isEmpty ? total : nil
    }

    /// Prints events after a cursor; with --follow keeps polling for new ones until interrupted.
    static func watchEvents(_ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        if let extra = rest.first { throw UsageError("cmdb watch takes no argument '\(extra)'", hint: "platflow cmdb watch --from CURSOR") }
        var cursor: Int64
        if let from = args.value("from") {
            guard let c = Int64(from), c >= 0 else { throw UsageError("--from takes a cursor (a number), got '\(from)'") }
            let latest = try cmdb.latestCursor()
            if c > latest {
                throw UsageError("--from \(c) is past the newest event (cursor \(latest))",
                                 hint: "platflow cmdb watch --from \(latest) --follow prints the events from now on")
            }
            cursor = c
        } else if args.has("follow") {
            cursor = try cmdb.latestCursor()
        } else {
            cursor = try cmdb.oldestCursor()
        }
        let json = args.has("json")
        func show(_ e: ChangeEvent) {
            if json {
                if let data = try? JSONSerialization.data(withJSONObject: e.jsonObject, options: [.sortedKeys]) {
                    terminal.out(String(decoding: data, as: UTF8.self) + "\n")
                }
                return
            }
            var line = "\(e.cursor)  \(CMDBTime.format(e.at))  \(e.who)  \(e.resource) \(e.ref)  \(e.kind)"
            if let change = summary(e) { line += "  \(change)" }
            terminal.out(line + "\n")
        }
        repeat {
            let batch = try cmdb.events(after: cursor, limit: 1000)
            for e in batch { show(e) }
            cursor = batch.last?.cursor ?? cursor
            terminal.flush()
            if batch.count < 1000 {
                if !args.has("follow") { break }
                usleep(500_000)
            }
        } while true
        terminal.err("next cursor: \(cursor)\n")
        return ExitCode.ok
    }

    /// `sla: 1 -> 3, city: sh -> bj` for an update, the fields for a create, nothing when unknown.
    static func summary(_ e: ChangeEvent) -> String? {
        func object(_ s: String?) -> [String: Any]? {
            guard let s, let d = s.data(using: .utf8) else { return nil }
            return (try? JSONSerialization.jsonObject(with: d)) as? [String: Any]
        }
        func text(_ v: Any?) -> String {
            switch v {
            case nil, is NSNull: return "-"
            case let xs as [Any]: return xs.isEmpty ? "-" : xs.map { "\($0)" }.joined(separator: ",")
            case let n as NSNumber: return AttributeType.isJSONBool(n) ? (n.boolValue ? "true" : "false") : "\(n)"
            case let s?: return "\(s)"
            }
        }
        let before = object(e.before), after = object(e.after)
        if let before, let after {
            let keys = Set(before.keys).union(after.keys).sorted().filter { k in text(before[k]) != text(after[k]) && k != "updated_at" }
            return keys.map { "\($0): \(text(before[$0])) -> \(text(after[$0]))" }.joined(separator: ", ")
        }
        if let only = after ?? before {
            let shown = ["hostname", "inner_ip", "name"].compactMap { k in only[k].flatMap { $0 is NSNull ? nil : "\(k)=\(text($0))" } }
            return shown.isEmpty ? nil : shown.joined(separator: " ")
        }
        return nil
    }
}
