import Foundation
import PlatCMDB
import PlatLang

/// `cmdb group|watch|retention|sync`.
extension CMDBCommand {
    static func eventCommand(_ sub: String, _ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        switch sub {
        case "group": return try group(rest, args, cmdb, terminal)
        case "watch": return try watch(rest, args, cmdb, terminal)
        case "retention":
            if let text = rest.first {
                guard let seconds = parseDuration(text) else {
                    throw UsageError("'\(text)' is not a duration", hint: "for example 7d, 36h or 90m")
                }
                try cmdb.setRetention(seconds)
                terminal.out("change events are now kept for \(text)\n")
            } else {
                let r = try cmdb.retention()
                terminal.out("change events are kept for \(r.truncatingRemainder(dividingBy: 86_400) == 0 ? "\(Int(r / 86_400))d" : "\(Int(r))s")\n")
            }
        case "sync":
            guard rest.first == "aws-ec2" else {
                throw UsageError("cmdb sync knows one source: aws-ec2", hint: "platflow cmdb sync aws-ec2 instances.json (from `aws ec2 describe-instances`)")
            }
            try need(rest, 2, "sync aws-ec2 FILE")
            let r = try cmdb.syncEC2(path: rest[1], cloudArea: try cloud(args) ?? 0)
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
        default:
            break
        }
        return ExitCode.ok
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

    static func group(_ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        let verbs = ["add", "list", "show", "hosts", "delete"]
        guard let verb = rest.first, verbs.contains(verb) else {
            throw UsageError("cmdb group needs one of: \(verbs.joined(separator: ", "))")
        }
        let words = Array(rest.dropFirst())
        switch verb {
        case "add":
            try need(words, 1, "group add NAME --where FILTER [--var NAME]")
            guard let filter = args.value("where") else { throw UsageError("group add needs --where FILTER") }
            try cmdb.addGroup(words[0], filter: filter, variables: args.values("var"), replace: args.has("replace"))
            let n = try cmdb.groupHosts(words[0]).count
            terminal.out("saved group \(words[0]) (\(n) host\(n == 1 ? "" : "s") now)\n")
        case "list":
            var t = Table(header: ["GROUP", "FILTER", "VARIABLES"])
            for g in try cmdb.groups() {
                t.rows.append([g.name, g.filter, g.variables.keys.sorted().map { "\($0)=\(describe(g.variables[$0]))" }.joined(separator: " ")])
            }
            terminal.out(t.render())
        case "show":
            try need(words, 1, "group show NAME")
            let g = try cmdb.group(words[0])
            var out = "group \(g.name)\n  filter  \(g.filter)\n"
            for k in g.variables.keys.sorted() {
                out += "  var     \(k) = \(describe(g.variables[k]))\(g.fieldVariables.contains(k) ? "  (the values \(k) is compared with)" : "")\n"
            }
            terminal.out(out)
        case "hosts":
            try need(words, 1, "group hosts NAME [--var NAME=VALUE]")
            var overrides: [String: FilterVariable] = [:]
            for spec in args.values("var") {
                guard let eq = spec.firstIndex(of: "=") else { throw UsageError("--var takes NAME=VALUE here, got '\(spec)'") }
                overrides[String(spec[..<eq])] = .text(String(spec[spec.index(after: eq)...]))
            }
            let hosts = try cmdb.groupHosts(words[0], overrides: overrides)
            let fields = try cmdb.hostFields()
            if args.has("json") { terminal.out(hostJSON(hosts, fields)) } else if hosts.isEmpty { terminal.err("the group has no hosts now\n") } else {
                terminal.out(try hostTable(hosts, fields: args.value("fields"), allFields: fields))
            }
        default:
            try need(words, 1, "group delete NAME")
            try cmdb.deleteGroup(words[0])
            terminal.out("deleted group \(words[0])\n")
        }
        return ExitCode.ok
    }

    static func describe(_ v: FilterVariable?) -> String {
        switch v {
        case .text(let t)?: return t
        case .literal(let l)?: return l.description
        case .list(let ls)?: return "[" + ls.map(\.description).joined(separator: ", ") + "]"
        case nil: return "-"
        }
    }

    /// Prints events after a cursor; with --follow keeps polling for new ones until interrupted.
    static func watch(_ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        if let extra = rest.first { throw UsageError("cmdb watch takes no argument '\(extra)'", hint: "platflow cmdb watch --from CURSOR") }
        var cursor: Int64
        if let from = args.value("from") {
            guard let c = Int64(from), c >= 0 else { throw UsageError("--from takes a cursor (a number), got '\(from)'") }
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
