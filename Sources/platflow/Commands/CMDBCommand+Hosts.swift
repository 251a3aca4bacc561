import Foundation
import PlatCMDB
import PlatLang

/// `cmdb hosts`, `cmdb host ...`, `cmdb ip`, `cmdb search`, `cmdb import`, `cmdb export`.
extension CMDBCommand {
    static let hosts = leaf(
        "hosts", "List hosts, all or those a filter selects, as a table or JSON.",
        usage: ["platflow cmdb hosts [--where FILTER] [--fields a,b] [--limit N] [--json]"],
        flags: [whereFlag, fieldsFlag, limitFlag, jsonFlag],
        examples: ["platflow cmdb hosts --where 'module == \"web\" and city in [\"sh\", \"bj\"] and sla >= 2'",
                   "platflow cmdb hosts --fields hostname,city,sla --limit 20"],
        details: """
            Filters: == != < <= > >= in [..] not in [..] contains (any case) contains_s starts_with ends_with
            ~ (glob) exists, and / or / not, parentheses; fields are host fields, custom fields, biz, set, module,
            and ip (inner or outer). IPs in == and in may be CIDR ranges (10.0.0.0/24, 2001:db8::/32).
            """) { args, cmdb, terminal in
        if let extra = args.positional.first {
            throw UsageError("cmdb hosts takes its filter with --where, not '\(extra)'", hint: "platflow cmdb hosts --where '\(extra)'")
        }
        let hosts = try cmdb.hosts(where: args.value("where"), limit: try limit(args))
        let fields = try cmdb.hostFields()
        if args.has("json") {
            terminal.out(hostJSON(hosts, fields))
        } else if hosts.isEmpty {
            terminal.err("no hosts match\n")
        } else {
            terminal.out(try hostTable(hosts, fields: args.value("fields"), allFields: fields))
        }
        return ExitCode.ok
    }

    static let host = CommandSpec(
        name: "host", summary: "Add, show, edit, copy or delete one host.",
        subcommands: [hostAdd, hostShow, hostEdit, hostCopy, hostDelete])

    static let hostAdd = leaf(
        "add", "Add a host to the resource pool from FIELD=VALUE words.",
        usage: ["platflow cmdb host add FIELD=VALUE... [--json]"], flags: [jsonFlag, actorFlag],
        examples: ["platflow cmdb host add inner_ip=10.0.0.5 hostname=web-01 sla=2"]) { args, cmdb, terminal in
        let words = args.positional
        guard !words.isEmpty else { throw UsageError("cmdb host add needs FIELD=VALUE words", hint: "platflow cmdb host add inner_ip=10.0.0.5 hostname=web-01") }
        let h = try cmdb.addHost(try cmdb.parseHostInput(try pairs(words, what: "cmdb host add")))
        if args.has("json") { try showHost(h, args, cmdb, terminal) } else { terminal.out("added host #\(h.id) \(h.label) to the resource pool\n") }
        return ExitCode.ok
    }

    static let hostShow = leaf(
        "show", "Show every field of a host, its business and modules.",
        usage: ["platflow cmdb host show HOST [--cloud N] [--json]"], flags: [cloudFlag, jsonFlag],
        examples: ["platflow cmdb host show web-01", "platflow cmdb host show 10.0.0.5 --cloud 2 --json"]) { args, cmdb, terminal in
        try need(args.positional, 1, "host show HOST")
        try showHost(try cmdb.resolveHost(args.positional[0], cloudArea: try cloud(args)), args, cmdb, terminal)
        return ExitCode.ok
    }

    static let hostEdit = leaf(
        "edit", "Change fields of a host.",
        usage: ["platflow cmdb host edit HOST FIELD=VALUE... [--cloud N]"], flags: [cloudFlag, actorFlag],
        examples: ["platflow cmdb host edit web-01 sla=3 city=beijing"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 2, "host edit HOST FIELD=VALUE...")
        let h = try cmdb.resolveHost(words[0], cloudArea: try cloud(args))
        let changed = try cmdb.updateHost(id: h.id, try cmdb.parseHostInput(try pairs(Array(words.dropFirst()), what: "cmdb host edit HOST")))
        terminal.out(changed == h ? "host #\(h.id) unchanged\n" : "updated host #\(h.id) \(changed.label)\n")
        return ExitCode.ok
    }

    static let hostCopy = leaf(
        "copy", "Add a host that copies another's fields, with some changed.",
        usage: ["platflow cmdb host copy HOST FIELD=VALUE... [--cloud N]"], flags: [cloudFlag, actorFlag],
        examples: ["platflow cmdb host copy web-01 inner_ip=10.0.0.6 hostname=web-02"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 1, "host copy HOST FIELD=VALUE...")
        let h = try cmdb.resolveHost(words[0], cloudArea: try cloud(args))
        let c = try cmdb.copyHost(id: h.id, overrides: try cmdb.parseHostInput(try pairs(Array(words.dropFirst()), what: "cmdb host copy HOST")))
        terminal.out("copied host #\(h.id) to #\(c.id) \(c.label)\n")
        return ExitCode.ok
    }

    static let hostDelete = leaf(
        "delete", "Delete hosts; one still in a business only with --force.",
        usage: ["platflow cmdb host delete HOST... [--force] [--cloud N]"],
        flags: [FlagSpec(name: "force", help: "delete a host that is still in a business"), cloudFlag, actorFlag],
        examples: ["platflow cmdb host delete web-01", "platflow cmdb host delete 10.0.0.5 --force"]) { args, cmdb, terminal in
        try need(args.positional, 1, "host delete HOST [--force]")
        for ref in args.positional {
            let h = try cmdb.resolveHost(ref, cloudArea: try cloud(args))
            try cmdb.deleteHost(id: h.id, force: args.has("force"))
            terminal.out("deleted host #\(h.id) \(h.label)\n")
        }
        return ExitCode.ok
    }

    /// A host's fields one per line, or as JSON with --json.
    static func showHost(_ h: HostRecord, _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws {
        let fields = try cmdb.hostFields()
        if args.has("json") {
            terminal.out(jsonText(h.jsonObject(fields: fields)))
            return
        }
        var out = ""
        let width = fields.map(\.name.count).max() ?? 10
        out += "id".padding(toLength: width, withPad: " ", startingAt: 0) + "  \(h.id)\n"
        for f in fields where !h[f.name].isNull {
            out += f.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(h[f.name].text)\n"
        }
        out += "biz".padding(toLength: width, withPad: " ", startingAt: 0) + "  \(h.biz ?? "(resource pool)")\n"
        if !h.modules.isEmpty { out += "modules".padding(toLength: width, withPad: " ", startingAt: 0) + "  \(h.modules.joined(separator: ", "))\n" }
        terminal.out(out)
    }

    static let ip = leaf(
        "ip", "Find hosts by inner or outer IP: exact addresses, lists, CIDR ranges (IPv4 and IPv6).",
        usage: ["platflow cmdb ip ADDRESS|CIDR[,..]... [--cloud N] [--json]"], flags: [cloudFlag, jsonFlag],
        examples: ["platflow cmdb ip 10.0.0.0/24", "platflow cmdb ip 10.0.0.5,10.0.0.6 --cloud 0"]) { args, cmdb, terminal in
        let rest = args.positional
        try need(rest, 1, "ip ADDRESS|CIDR...")
        let matches = try cmdb.hosts(byIP: rest, cloudArea: try cloud(args))
        let fields = try cmdb.hostFields()
        if args.has("json") {
            terminal.out(jsonText(matches.map { m -> [String: Any] in
                var o = m.host.jsonObject(fields: fields)
                o["matched"] = m.matched
                return o
            }))
        } else if matches.isEmpty {
            terminal.err("no host has such an IP\n")
            return ExitCode.failed
        } else {
            var t = Table(header: ["ID", "HOSTNAME", "CLOUD", "MATCHED", "MODULES"])
            for m in matches {
                t.rows.append([String(m.host.id), m.host["hostname"].text.isEmpty ? "-" : m.host["hostname"].text,
                               String(m.host.cloudArea), m.matched.joined(separator: ", "),
                               m.host.biz.map { b in m.host.modules.map { "\(b)/\($0)" }.joined(separator: ",") } ?? "(pool)"])
            }
            terminal.out(t.render())
        }
        return ExitCode.ok
    }

    static let search = leaf(
        "search", "Full-text search over hosts and instances, ranked; every word must start a word of a match.",
        usage: ["platflow cmdb search WORDS [--limit N] [--json]"],
        flags: [FlagSpec(name: "limit", value: "N", help: "at most N results (a note on stderr says when more match)", defaultText: "20"), jsonFlag],
        examples: ["platflow cmdb search \"nginx shanghai\"", "platflow cmdb search nginx --limit 200"]) { args, cmdb, terminal in
        let rest = args.positional
        try need(rest, 1, "search WORDS")
        let shown = min(try limit(args) ?? 20, 10_000)
        // One more than shown tells whether the list was cut, so the cut is never silent.
        var hits = try cmdb.search(rest.joined(separator: " "), limit: shown + 1)
        let cut = hits.count > shown
        if cut { hits.removeLast(hits.count - shown) }
        defer {
            if cut { terminal.err("showing the best \(shown) matches; more match (--limit N shows more)\n") }
        }
        if args.has("json") {
            terminal.out(jsonText(hits.map { h -> [String: Any] in
                ["kind": h.kind.rawValue, "id": h.id, "model": h.model, "title": h.title, "score": h.score,
                 "matched": h.matched.map { ["field": $0.field, "value": $0.value] }]
            }))
        } else if hits.isEmpty {
            terminal.err("nothing matches\n")
            return ExitCode.failed
        } else {
            var t = Table(header: ["#", "KIND", "ID", "TITLE", "MATCHED"])
            for (i, h) in hits.enumerated() {
                t.rows.append([String(i + 1), h.model, String(h.id), h.title,
                               h.matched.map { "\($0.field): \($0.value)" }.joined(separator: "; ")])
            }
            terminal.out(t.render())
        }
        return ExitCode.ok
    }

    static let importHosts = leaf(
        "import", "Import hosts from CSV, JSON or YAML, all or nothing: every bad row is reported with its line; or restore a whole-CMDB snapshot.",
        usage: ["platflow cmdb import FILE [--update] [--format csv|json|yaml]"],
        flags: [
            FlagSpec(name: "update", help: "change hosts that exist (keyed by inner IP and cloud area)"),
            FlagSpec(name: "format", value: "csv|json|yaml", help: "the file's format", defaultText: "from the file name"),
            actorFlag,
        ],
        examples: ["platflow cmdb import hosts.csv", "platflow cmdb import hosts.json --update"],
        details: """
            An import is one transaction: every row is checked and every bad one listed, and nothing is written
            unless all are good. A first load builds its search index in DB-import-index beside the database
            (removed when it ends); a killed import leaves the CMDB as it was.
            A snapshot written by `cmdb export --all` (topology, templates, models, instances, associations, groups
            and hosts) is restored whole into an empty CMDB, keeping every id and timestamp.
            """) { args, cmdb, terminal in
        let rest = args.positional
        try need(rest, 1, "import FILE [--update]")
        let file = rest[0]
        if let text = try snapshotText(file) {
            if args.has("update") { throw UsageError("a CMDB snapshot is restored whole; --update does not apply to it") }
            let counts = try cmdb.importSnapshot(text)
            terminal.out("restored the CMDB from \(file): " + snapshotSummary(counts) + "\n")
            return ExitCode.ok
        }
        let report = try cmdb.importHosts(path: file, format: try format(args), update: args.has("update")) { p in
            let share = p.fraction.map { " (\(Int(($0 * 100).rounded(.down)))%)" } ?? ""
            terminal.progress(p.finishing ? "importing \(file): \(p.rows) rows read; indexing and committing"
                                          : "importing \(file): \(p.rows) rows\(share)")
        }
        terminal.progress(nil)
        if !report.committed {
            // FILE:LINE: FIELD: REASON, the way compilers point at a line, so editors and grep find it.
            for p in report.problems { terminal.err("\(file):\(p.line): \(p.field.map { "\($0): " } ?? "")\(p.reason)\n") }
            if report.problemCount > report.problems.count {
                terminal.err("... and \(report.problemCount - report.problems.count) more\n")
            }
            throw UsageError("\(report.problemCount) problem\(report.problemCount == 1 ? "" : "s") in \(report.rows) row\(report.rows == 1 ? "" : "s"); nothing was imported",
                             hint: "fix the rows listed and import the file again")
        }
        terminal.out("\(report.rows) row\(report.rows == 1 ? "" : "s"): \(report.created) created, \(report.updated) updated, \(report.unchanged) unchanged\n")
        return ExitCode.ok
    }

    static let export = leaf(
        "export", "Export hosts as CSV, JSON or YAML, or the whole CMDB with --all; an export imports back unchanged.",
        usage: ["platflow cmdb export [--format csv|json|yaml] [--where FILTER] [--output FILE]",
                "platflow cmdb export --all [--output FILE]"],
        flags: [
            FlagSpec(name: "all", help: "the whole CMDB as one JSON snapshot: businesses, sets, modules, templates, hosts with their modules, models, instances, associations, links, groups, settings"),
            FlagSpec(name: "format", value: "csv|json|yaml", help: "the output's format", defaultText: "csv"),
            whereFlag,
            FlagSpec(name: "output", short: "o", value: "FILE", help: "export into FILE instead of standard output"),
        ],
        examples: ["platflow cmdb export --output hosts.csv", "platflow cmdb export --format json --where 'city == \"sh\"'"]) { args, cmdb, terminal in
        if let extra = args.positional.first { throw UsageError("cmdb export takes no argument '\(extra)'", hint: "write to a file with --output FILE") }
        if args.has("all") {
            if args.value("where") != nil { throw UsageError("--all exports the whole CMDB; --where does not apply to it") }
            if let f = args.value("format"), f.lowercased() != "json" { throw UsageError("--all writes JSON only, not \(f)") }
            if let path = args.value("output") {
                guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                    throw UsageError("cannot write \(path)")
                }
                defer { try? handle.close() }
                let counts = try cmdb.exportSnapshot { handle.write(Data($0.utf8)) }
                terminal.err("exported the CMDB to \(path): " + snapshotSummary(counts) + "\n")
            } else {
                try cmdb.exportSnapshot { terminal.out($0) }
            }
            return ExitCode.ok
        }
        let f = try format(args) ?? .csv
        if let path = args.value("output") {
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw UsageError("cannot write \(path)")
            }
            defer { try? handle.close() }
            let n = try cmdb.exportHosts(format: f, where: args.value("where")) { handle.write(Data($0.utf8)) }
            terminal.err("exported \(n) host\(n == 1 ? "" : "s") to \(path)\n")
        } else {
            try cmdb.exportHosts(format: f, where: args.value("where")) { terminal.out($0) }
        }
        return ExitCode.ok
    }

    /// The file's text when it is a CMDB snapshot (it starts with the snapshot's marker), else nil.
    static func snapshotText(_ path: String) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        let head = String(decoding: (try? handle.read(upToCount: 64)) ?? Data(), as: UTF8.self)
        try? handle.close()
        guard head.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(CMDB.snapshotMarker) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    static func snapshotSummary(_ counts: [String: Int]) -> String {
        let shown: [(String, String)] = [("cmdb_biz", "businesses"), ("cmdb_sets", "sets"), ("cmdb_modules", "modules"),
                                         ("cmdb_set_templates", "templates"), ("cmdb_hosts", "hosts"), ("cmdb_models", "models"),
                                         ("cmdb_instances", "instances"), ("cmdb_associations", "associations"),
                                         ("cmdb_links", "links"), ("cmdb_groups", "groups")]
        return shown.map { "\(counts[$0.0] ?? 0) \($0.1)" }.joined(separator: ", ")
    }

    static func format(_ args: ParsedArguments) throws -> ImportFormat? {
        guard let f = args.value("format") else { return nil }
        guard let v = ImportFormat(rawValue: f.lowercased()) else { throw UsageError("--format takes csv, json or yaml, got '\(f)'") }
        return v
    }
}
