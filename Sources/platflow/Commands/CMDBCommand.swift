import Foundation
import PlatCMDB
import PlatEngine
import PlatLang

/// `platflow cmdb ...`: hosts, topology, models, queries, import/export, events. The subcommand is the first
/// positional word; the flags of every subcommand are declared together.
enum CMDBCommand {
    static let spec = CommandSpec(
        name: "cmdb",
        summary: "The configuration database: hosts, topology, models, queries, import/export, change events.",
        usage: [
            "platflow cmdb hosts [--where FILTER] [--fields a,b] [--limit N] [--json]",
            "platflow cmdb host add|edit|copy FIELD=VALUE... | show HOST | delete HOST [--force]",
            "platflow cmdb ip ADDRESS|CIDR[,..]... [--cloud N] [--json]",
            "platflow cmdb search WORDS [--limit N] [--json]",
            "platflow cmdb import FILE [--update] [--format csv|json|yaml]",
            "platflow cmdb export [--format csv|json|yaml] [--where FILTER] [--output FILE]",
            "platflow cmdb biz add|rename|delete NAME [NEW] | biz list",
            "platflow cmdb set add BIZ/SET [--template T] | rename BIZ/SET NEW | delete BIZ/SET",
            "platflow cmdb module add BIZ/SET/MODULE | rename PATH NEW | delete PATH",
            "platflow cmdb topo [BIZ] [--json]",
            "platflow cmdb transfer HOST... (--to BIZ/SET/MODULE [--to ...] [--append] | --to-idle BIZ | --to-fault BIZ | --to-recycle BIZ | --to-pool)",
            "platflow cmdb template add NAME --module M... | edit NAME [--add-module M] [--remove-module M] | diff NAME | sync NAME | list | delete NAME",
            "platflow cmdb model add NAME [--class C] --attr SPEC... [--unique a,b] | list | show NAME | delete NAME",
            "platflow cmdb model attr add MODEL SPEC | attr remove MODEL NAME | unique add MODEL a,b",
            "platflow cmdb inst add MODEL ATTR=VALUE... | list MODEL [--where F] | show|edit|delete MODEL REF [ATTR=VALUE...]",
            "platflow cmdb assoc add NAME --from MODEL --to MODEL --kind KIND --mapping 1:1|1:n|n:n [--on-delete unlink|refuse|cascade]",
            "platflow cmdb assoc list | delete NAME | kind add NAME | links MODEL REF",
            "platflow cmdb link|unlink ASSOC SRC DST",
            "platflow cmdb group add NAME --where FILTER [--var NAME[=DEFAULT]]... [--replace] | list | show NAME | hosts NAME [--var NAME=VALUE] | delete NAME",
            "platflow cmdb watch [--from CURSOR] [--follow] [--json]",
            "platflow cmdb retention [DURATION]",
            "platflow cmdb sync aws-ec2 FILE [--cloud N]",
        ],
        flags: [
            FlagSpec(name: "where", value: "FILTER", help: "a filter: module == \"web\" and city in [\"sh\", \"bj\"] and sla >= 2"),
            FlagSpec(name: "json", help: "JSON output"),
            FlagSpec(name: "fields", value: "a,b,c", help: "columns of the hosts table"),
            FlagSpec(name: "limit", value: "N", help: "at most N results"),
            FlagSpec(name: "force", help: "delete a host that is still in a business"),
            FlagSpec(name: "cloud", value: "N", help: "the cloud area, where an IP is in several"),
            FlagSpec(name: "update", help: "import: change hosts that exist (keyed by inner IP and cloud area)"),
            FlagSpec(name: "format", value: "csv|json|yaml", help: "import/export format", defaultText: "from the file name; csv for export"),
            FlagSpec(name: "output", short: "o", value: "FILE", help: "export into FILE instead of standard output"),
            FlagSpec(name: "to", value: "BIZ/SET/MODULE", repeats: true, help: "transfer target module (repeat for several)"),
            FlagSpec(name: "to-idle", value: "BIZ", help: "transfer to the business's idle module"),
            FlagSpec(name: "to-fault", value: "BIZ", help: "transfer to the business's fault module"),
            FlagSpec(name: "to-recycle", value: "BIZ", help: "transfer to the business's recycle module"),
            FlagSpec(name: "to-pool", help: "return hosts (solely in idle) to the resource pool"),
            FlagSpec(name: "append", help: "transfer: add the modules instead of replacing the host's modules"),
            FlagSpec(name: "template", value: "NAME", help: "set add: create the set's modules from a set template"),
            FlagSpec(name: "module", value: "NAME", repeats: true, help: "template add: a module of the template"),
            FlagSpec(name: "add-module", value: "NAME", repeats: true, help: "template edit: add a module"),
            FlagSpec(name: "remove-module", value: "NAME", repeats: true, help: "template edit: remove a module"),
            FlagSpec(name: "class", value: "NAME", help: "model add: its classification", defaultText: "custom"),
            FlagSpec(name: "attr", value: "NAME:TYPE[!][~REGEX]", repeats: true,
                     help: "an attribute; types string text int float bool enum(a,b) enum-multi(a,b) date time user list; ! = required"),
            FlagSpec(name: "unique", value: "a,b", repeats: true, help: "a unique rule (attributes checked together)"),
            FlagSpec(name: "from", value: "MODEL|CURSOR", help: "assoc add: the source model; watch: the cursor to read after"),
            FlagSpec(name: "kind", value: "KIND", help: "association kind: belongs groups runs-on connects default, or one added"),
            FlagSpec(name: "mapping", value: "1:1|1:n|n:n", help: "how many of each side an association links", defaultText: "n:n"),
            FlagSpec(name: "on-delete", value: "unlink|refuse|cascade", help: "what deleting a linked record does", defaultText: "unlink"),
            FlagSpec(name: "var", value: "NAME[=VALUE]", repeats: true, help: "a group variable: declare it (group add) or override it (group hosts)"),
            FlagSpec(name: "replace", help: "group add: replace a group of that name"),
            FlagSpec(name: "follow", short: "f", help: "watch: keep printing new events until Ctrl-C"),
            FlagSpec(name: "as", value: "NAME", help: "who the change events name", defaultText: "$USER"),
        ],
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
            Filters: == != < <= > >= in [..] not in [..] contains (any case) contains_s starts_with ends_with
            ~ (glob) exists, and / or / not, parentheses; fields are host fields, custom fields, biz, set, module,
            and ip (inner or outer). IPs in == and in may be CIDR ranges (10.0.0.0/24, 2001:db8::/32).
            An import is one transaction: every row is checked and every bad one listed, and nothing is written
            unless all are good. A first load builds its search index in DB-import-index beside the database
            (removed when it ends); a killed import leaves the CMDB as it was.
            In a plan: cmdb.hosts(where: "..."), cmdb.group("web-prod", env: "prod"), cmdb.update(host, sla: 3),
            cmdb.transfer(hosts, to: "shop/web/nginx"); they return the host maps sh and copy accept.
            """)

    static let subcommands = ["hosts", "host", "ip", "search", "import", "export", "biz", "set", "module", "topo", "transfer",
                              "template", "model", "inst", "assoc", "link", "unlink", "group", "watch", "retention", "sync"]

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        guard let sub = args.positional.first else {
            terminal.out(HelpCommand.render(spec))
            return ExitCode.usage
        }
        guard subcommands.contains(sub) else {
            terminal.error("unknown cmdb command '\(sub)'",
                           hint: closestName(to: sub, in: subcommands).map { "did you mean '\($0)'?" } ?? "one of: \(subcommands.joined(separator: ", "))")
            return ExitCode.usage
        }
        let rest = Array(args.positional.dropFirst())
        do {
            let store = try EngineSession.open(args)
            let cmdb = CMDB(db: store.db, actor: args.value("as"))
            switch sub {
            case "hosts", "host", "ip", "search", "import", "export":
                return try hostCommand(sub, rest, args, cmdb, terminal)
            case "biz", "set", "module", "topo", "transfer", "template":
                return try topologyCommand(sub, rest, args, cmdb, terminal)
            case "model", "inst", "assoc", "link", "unlink":
                return try modelCommand(sub, rest, args, cmdb, terminal)
            default:
                return try eventCommand(sub, rest, args, cmdb, terminal)
            }
        } catch {
            return report(error, terminal)
        }
    }

    /// CMDB errors in the house format: bad input exits 2, a broken rule (conflict) exits 1.
    static func report(_ error: Error, _ terminal: Terminal) -> Int32 {
        switch error {
        case let e as CMDBError:
            terminal.error(e.message, hint: e.hint)
            return e.kind == .conflict ? ExitCode.failed : ExitCode.usage
        case let f as FilterError:
            var body = f.description
            if let hint = f.hint, let r = body.range(of: "\nhint: \(hint)") { body.removeSubrange(r) }
            terminal.error(body, hint: f.hint)
            return ExitCode.usage
        default:
            return EngineSession.report(error, terminal: terminal)
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
