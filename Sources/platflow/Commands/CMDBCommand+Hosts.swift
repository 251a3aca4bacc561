import Foundation
import PlatCMDB
import PlatLang

/// `cmdb hosts`, `cmdb host ...`, `cmdb ip`, `cmdb search`, `cmdb import`, `cmdb export`.
extension CMDBCommand {
    static func hostCommand(_ sub: String, _ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        switch sub {
        case "hosts":
            if let extra = rest.first {
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
        case "host":
            return try host(rest, args, cmdb, terminal)
        case "ip":
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
        case "search":
            try need(rest, 1, "search WORDS")
            let hits = try cmdb.search(rest.joined(separator: " "), limit: try limit(args) ?? 20)
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
        case "import":
            try need(rest, 1, "import FILE [--update]")
            let file = rest[0]
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
                terminal.error("\(report.problemCount) problem\(report.problemCount == 1 ? "" : "s") in \(report.rows) row\(report.rows == 1 ? "" : "s"); nothing was imported",
                               hint: "fix the rows listed and import the file again")
                return ExitCode.usage
            }
            terminal.out("\(report.rows) rows: \(report.created) created, \(report.updated) updated, \(report.unchanged) unchanged\n")
        case "export":
            if let extra = rest.first { throw UsageError("cmdb export takes no argument '\(extra)'", hint: "write to a file with --output FILE") }
            let f = try format(args) ?? .csv
            if let path = args.value("output") {
                guard FileManager.default.createFile(atPath: path, contents: nil),
                      let handle = FileHandle(forWritingAtPath: path) else { throw UsageError("cannot write \(path)") }
                defer { try? handle.close() }
                let n = try cmdb.exportHosts(format: f, where: args.value("where")) { handle.write(Data($0.utf8)) }
                terminal.err("exported \(n) host\(n == 1 ? "" : "s") to \(path)\n")
            } else {
                try cmdb.exportHosts(format: f, where: args.value("where")) { terminal.out($0) }
            }
        default:
            break
        }
        return ExitCode.ok
    }

    static func format(_ args: ParsedArguments) throws -> ImportFormat? {
        guard let f = args.value("format") else { return nil }
        guard let v = ImportFormat(rawValue: f.lowercased()) else { throw UsageError("--format takes csv, json or yaml, got '\(f)'") }
        return v
    }

    /// `cmdb host add|show|edit|copy|delete`.
    static func host(_ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        let verbs = ["add", "show", "edit", "copy", "delete"]
        guard let verb = rest.first, verbs.contains(verb) else {
            throw UsageError("cmdb host needs one of: \(verbs.joined(separator: ", "))",
                             hint: rest.first.flatMap { closestName(to: $0, in: verbs) }.map { "did you mean '\($0)'?" }
                                ?? "platflow cmdb host add inner_ip=10.0.0.5 hostname=web-01")
        }
        let words = Array(rest.dropFirst())
        let fields = try cmdb.hostFields()
        func show(_ h: HostRecord) {
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
        switch verb {
        case "add":
            guard !words.isEmpty else { throw UsageError("cmdb host add needs FIELD=VALUE words", hint: "platflow cmdb host add inner_ip=10.0.0.5 hostname=web-01") }
            let h = try cmdb.addHost(try cmdb.parseHostInput(try pairs(words, what: "cmdb host add")))
            if args.has("json") { show(h) } else { terminal.out("added host #\(h.id) \(h.label) to the resource pool\n") }
        case "show":
            try need(words, 1, "host show HOST")
            show(try cmdb.resolveHost(words[0], cloudArea: try cloud(args)))
        case "edit":
            try need(words, 2, "host edit HOST FIELD=VALUE...")
            let h = try cmdb.resolveHost(words[0], cloudArea: try cloud(args))
            let changed = try cmdb.updateHost(id: h.id, try cmdb.parseHostInput(try pairs(Array(words.dropFirst()), what: "cmdb host edit HOST")))
            terminal.out(changed == h ? "host #\(h.id) unchanged\n" : "updated host #\(h.id) \(changed.label)\n")
        case "copy":
            try need(words, 1, "host copy HOST FIELD=VALUE...")
            let h = try cmdb.resolveHost(words[0], cloudArea: try cloud(args))
            let c = try cmdb.copyHost(id: h.id, overrides: try cmdb.parseHostInput(try pairs(Array(words.dropFirst()), what: "cmdb host copy HOST")))
            terminal.out("copied host #\(h.id) to #\(c.id) \(c.label)\n")
        case "delete":
            try need(words, 1, "host delete HOST [--force]")
            for ref in words {
                let h = try cmdb.resolveHost(ref, cloudArea: try cloud(args))
                try cmdb.deleteHost(id: h.id, force: args.has("force"))
                terminal.out("deleted host #\(h.id) \(h.label)\n")
            }
        default:
            break
        }
        return ExitCode.ok
    }
}
