import Foundation
import PlatCMDB
import PlatEngine
import PlatLang

/// `platflow cmdb ...`: hosts, topology, models, queries, import/export, events. Each subcommand declares its own
/// flags; the flags several share are declared once below.
enum CMDBCommand {
    static let spec = CommandSpec(
        name: "cmdb",
        summary: "The configuration database: hosts, topology, models, queries, import/export, change events.",
        subcommands: [hosts, host, ip, search, importHosts, export, biz, set, module, topo, transfer, template,
                      model, inst, assoc, link, unlink, group, watch, retention, sync],
        examples: [
            "platflow cmdb import hosts.csv",
            "platflow cmdb hosts --where 'module == \"web\" and city in [\"sh\", \"bj\"] and sla >= 2'",
            "platflow cmdb ip 10.0.0.0/24",
            "platflow cmdb search \"nginx shanghai\"",
            "platflow cmdb group add web-prod --where 'module == \"web\" and env == \"prod\"' --var env",
            "platflow cmdb transfer 10.0.0.5 --to shop/web/nginx",
            "platflow cmdb model add switch --attr 'name:string!' --attr 'ports:int' --unique name",
            "platflow cmdb watch --from 120 --follow",
        ],
        details: """
            Hosts are named by inner IP (with --cloud N when one IP is in several cloud areas), hostname, or #ID.
            Filters (--where): see `platflow cmdb hosts --help`.
            Every change is recorded as a change event naming who made it (--as NAME, default $USER); read them with
            `platflow cmdb watch`.
            In a plan: cmdb.hosts(where: "..."), cmdb.group("web-prod", env: "prod"), cmdb.update(host, sla: 3),
            cmdb.transfer(hosts, to: "shop/web/nginx"); they return the host maps sh and copy accept.
            """)

    // MARK: Flags several subcommands take

    static let whereFlag = FlagSpec(name: "where", value: "FILTER", help: "a filter: module == \"web\" and city in [\"sh\", \"bj\"] and sla >= 2")
    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")
    static let fieldsFlag = FlagSpec(name: "fields", value: "a,b,c", help: "columns of the hosts table")
    static let limitFlag = FlagSpec(name: "limit", value: "N", help: "at most N results")
    static let cloudFlag = FlagSpec(name: "cloud", value: "N", help: "the cloud area, where an IP is in several")
    static let actorFlag = FlagSpec(name: "as", value: "NAME", help: "who the change events name", defaultText: "$USER")

    /// A subcommand that works on the CMDB: opens it (acting as `--as` where the subcommand takes it) and runs
    /// `body` with it.
    static func leaf(_ name: String, _ summary: String, usage: [String], flags: [FlagSpec] = [], examples: [String],
                     details: String? = nil,
                     _ body: @escaping (ParsedArguments, CMDB, Terminal) throws -> Int32) -> CommandSpec {
        CommandSpec(name: name, summary: summary, usage: usage, flags: flags, examples: examples, details: details) { args, terminal in
            let store = try EngineSession.open(args)
            return try body(args, CMDB(db: store.db, actor: args.value("as")), terminal)
        }
    }

    // MARK: Helpers

    /// `FIELD=VALUE` words; a word without `=` is an error that shows the form.
    static func pairs(_ words: [String], what: String) throws -> [(String, String)] {
        try words.map { w in
            guard let eq = w.firstIndex(of: "="), eq != w.startIndex else {
                throw UsageError("'\(w)' is not FIELD=VALUE", hint: "for example: \(what) inner_ip=10.0.0.5 hostname=web-01 sla=2")
            }
            return (String(w[..<eq]), String(w[w.index(after: eq)...]))
        }
    }

    static func need(_ rest: [String], _ count: Int, _ usage: String) throws {
        if rest.count < count { throw UsageError("missing arguments", hint: "platflow cmdb \(usage)") }
    }

    static func cloud(_ args: ParsedArguments) throws -> Int64? {
        guard let c = args.value("cloud") else { return nil }
        guard let n = Int64(c), n >= 0 else { throw UsageError("--cloud takes a cloud area number, got '\(c)'") }
        return n
    }

    static func limit(_ args: ParsedArguments) throws -> Int? {
        guard let l = args.value("limit") else { return nil }
        guard let n = Int(l), n > 0 else { throw UsageError("--limit takes a positive number, got '\(l)'") }
        return n
    }

    /// The hosts table: the chosen fields, or a compact default.
    static func hostTable(_ hosts: [HostRecord], fields: String?, allFields: [FieldDef]) throws -> String {
        var columns = ["id", "inner_ip", "hostname", "cloud_area", "os_name", "city", "sla", "state", "modules"]
        if let fields {
            columns = fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let known = allFields.map(\.name) + ["biz", "modules"]
            for c in columns where !known.contains(c) {
                throw UsageError("unknown field '\(c)' in --fields", hint: closestName(to: c, in: known).map { "did you mean '\($0)'?" })
            }
        }
        var t = Table(header: columns.map { $0.uppercased() })
        for h in hosts {
            t.rows.append(columns.map { c in
                switch c {
                case "id": return String(h.id)
                case "biz": return h.biz ?? "(pool)"
                case "modules": return h.biz.map { b in h.modules.map { "\(b)/\($0)" }.joined(separator: ",") } ?? "(pool)"
                default:
                    let v = h[c].text
                    return v.isEmpty ? "-" : (v.count > 40 ? String(v.prefix(37)) + "..." : v)
                }
            })
        }
        return t.render()
    }

    static func hostJSON(_ hosts: [HostRecord], _ fields: [FieldDef]) -> String {
        jsonText(hosts.map { $0.jsonObject(fields: fields) })
    }
}
