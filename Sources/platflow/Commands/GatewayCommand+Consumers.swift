import Foundation
import PlatGateway
import PlatLang

/// `platflow gateway consumer ...` (and `gateway app ...`, the same commands under the issue's word): callers of
/// gateway APIs, their keys and grants. With --prefix every change is applied to nginx (test, reload, probe)
/// inside the change's transaction, so a change the data plane refuses is not recorded.
extension GatewayCommand {
    static let consumerDetails = """
        A consumer calls a gateway's resources whose auth is app_key or both, sending one of its keys in the
        X-Api-Key header. nginx answers 401 without a key or with a key it does not know (revoked keys included),
        403 when the consumer has no grant on the gateway or the resource, and passes the consumer's name to the
        backend in X-Gateway-Consumer (the key itself is not passed on). A key is shown once, when created; the
        database and the nginx configuration keep only its digest. Consumers are not deployable apps: `gateway
        app` is another name for these commands.
        """

    static func consumerFamily(_ name: String) -> CommandSpec {
        CommandSpec(name: name, summary: name == "consumer" ? "Callers of gateway APIs: their keys and grants."
                                                            : "The same as `gateway consumer` (callers of gateway APIs, not deployable apps).",
                    subcommands: [consumerAdd(name), consumerList(name), consumerShow(name), consumerKeys(name), consumerGrant(name, grant: true),
                                  consumerGrant(name, grant: false), consumerRemove(name)],
                    details: consumerDetails)
    }

    static func consumerAdd(_ family: String) -> CommandSpec {
        leaf("add", "Add a consumer (then give it a key and grants).",
             usage: ["platflow gateway \(family) add NAME [--description TEXT] [--prefix DIR] [--as NAME]"],
             flags: [FlagSpec(name: "description", value: "TEXT", help: "who or what calls with it"), prefixFlag, nginxFlag, actorFlag],
             examples: ["platflow gateway \(family) add billing --description \"the billing service\""], arguments: 1...1) { args, store, terminal in
            let c = try GatewayPublisher(store: store, plane: try plane(args)).addConsumer(args.positional[0], description: args.value("description") ?? "")
            terminal.out("added consumer \(c.name)\n")
            return ExitCode.ok
        }
    }

    static func consumerRemove(_ family: String) -> CommandSpec {
        leaf("remove", "Remove a consumer with its keys and grants.",
             usage: ["platflow gateway \(family) remove NAME [--prefix DIR]"], flags: [prefixFlag, nginxFlag, actorFlag],
             examples: ["platflow gateway \(family) remove billing"], arguments: 1...1) { args, store, terminal in
            try GatewayPublisher(store: store, plane: try plane(args)).removeConsumer(args.positional[0])
            terminal.out("removed consumer \(args.positional[0])\n")
            return ExitCode.ok
        }
    }

    static func consumerJSON(_ c: Consumer) -> [String: Any] {
        ["name": c.name, "description": c.description, "created_by": c.createdBy, "created_at": c.createdAt,
         "keys": c.keys.map { ["id": $0.id, "created_by": $0.createdBy, "created_at": $0.createdAt, "revoked_at": $0.revokedAt as Any] as [String: Any] },
         "grants": c.grants.map(\.scope)]
    }

    static func consumerList(_ family: String) -> CommandSpec {
        leaf("list", "List consumers with their active keys and grants.",
             usage: ["platflow gateway \(family) list [--json]"], flags: [jsonFlag],
             examples: ["platflow gateway \(family) list"], arguments: 0...0) { args, store, terminal in
            let cs = try store.consumers()
            if args.has("json") { terminal.out(jsonText(cs.map(consumerJSON))); return ExitCode.ok }
            if cs.isEmpty { terminal.out("no consumers yet: platflow gateway \(family) add NAME\n"); return ExitCode.ok }
            var t = Table(header: ["CONSUMER", "KEYS", "GRANTS", "DESCRIPTION"])
            for c in cs {
                t.rows.append([c.name, String(c.keys.filter(\.isActive).count), c.grants.isEmpty ? "-" : c.grants.map(\.scope).joined(separator: ", "), c.description])
            }
            terminal.out(t.render())
            return ExitCode.ok
        }
    }

    static func consumerShow(_ family: String) -> CommandSpec {
        leaf("show", "Show a consumer: its keys (ids only) and grants.",
             usage: ["platflow gateway \(family) show NAME [--json]"], flags: [jsonFlag],
             examples: ["platflow gateway \(family) show billing"], arguments: 1...1) { args, store, terminal in
            let c = try store.consumer(args.positional[0])
            if args.has("json") { terminal.out(jsonText(consumerJSON(c))); return ExitCode.ok }
            var out = "consumer \(c.name)\(c.description.isEmpty ? "" : ": \(c.description)")\n"
            out += "  grants  \(c.grants.isEmpty ? "none" : c.grants.map(\.scope).joined(separator: ", "))\n"
            terminal.out(out)
            var t = Table(header: ["KEY", "CREATED BY", "CREATED AT", "STATE"])
            for k in c.keys { t.rows.append([k.id, k.createdBy, localTime(k.createdAt), k.revokedAt.map { "revoked \(localTime($0))" } ?? "active"]) }
            terminal.out(c.keys.isEmpty ? "  no keys: platflow gateway \(family) keys \(c.name) --new\n" : t.render())
            return ExitCode.ok
        }
    }

    static func consumerKeys(_ family: String) -> CommandSpec {
        leaf("keys", "List a consumer's keys, create one (--new; shown once) or revoke one (--revoke KEYID).",
             usage: ["platflow gateway \(family) keys NAME [--new | --revoke KEYID] [--prefix DIR] [--json]"],
             flags: [FlagSpec(name: "new", help: "create a key and print it (the only time it is shown)"),
                     FlagSpec(name: "revoke", value: "KEYID", help: "revoke the key with this id (the part before the dot)"),
                     prefixFlag, nginxFlag, actorFlag, jsonFlag],
             examples: ["platflow gateway \(family) keys billing --new", "platflow gateway \(family) keys billing --revoke 3f9a0c11d2e4"],
             details: "A key reads KEYID.SECRET; callers send it as the X-Api-Key header. Only its digest is stored, so a lost key cannot be shown again: create a new one and revoke the old.",
             arguments: 1...1) { args, store, terminal in
            let name = args.positional[0]
            if args.has("new") && args.value("revoke") != nil { throw UsageError("--new and --revoke go one at a time") }
            let publisher = GatewayPublisher(store: store, plane: try plane(args))
            if args.has("new") {
                let (k, text) = try publisher.createKey(consumer: name)
                if args.has("json") { terminal.out(jsonText(["consumer": name, "id": k.id, "key": text])); return ExitCode.ok }
                terminal.err("key \(k.id) for \(name); it is shown only now:\n")
                terminal.out(text + "\n")
                return ExitCode.ok
            }
            if let id = args.value("revoke") {
                try publisher.revokeKey(consumer: name, id: id)
                terminal.out("revoked key \(id) of \(name)\n")
                return ExitCode.ok
            }
            let c = try store.consumer(name)
            if args.has("json") { terminal.out(jsonText(consumerJSON(c)["keys"] ?? [])); return ExitCode.ok }
            var t = Table(header: ["KEY", "CREATED BY", "CREATED AT", "STATE"])
            for k in c.keys { t.rows.append([k.id, k.createdBy, localTime(k.createdAt), k.revokedAt.map { "revoked \(localTime($0))" } ?? "active"]) }
            terminal.out(c.keys.isEmpty ? "consumer \(name) has no keys: platflow gateway \(family) keys \(name) --new\n" : t.render())
            return ExitCode.ok
        }
    }

    static func consumerGrant(_ family: String, grant: Bool) -> CommandSpec {
        let verb = grant ? "grant" : "revoke"
        return leaf(verb, grant ? "Let a consumer call a whole gateway, or some of its resources." : "Take back a grant given by `grant`.",
                    usage: ["platflow gateway \(family) \(verb) NAME GATEWAY [RESOURCE...] [--prefix DIR]"], flags: [prefixFlag, nginxFlag, actorFlag],
                    examples: ["platflow gateway \(family) \(verb) billing shop list_orders", "platflow gateway \(family) \(verb) billing shop"],
                    details: grant ? "Without resources the grant covers every resource of the gateway, on every stage, now and in later versions." : nil,
                    arguments: 2...1000) { args, store, terminal in
            let (name, gateway) = (args.positional[0], args.positional[1])
            let resources = Array(args.positional.dropFirst(2))
            let publisher = GatewayPublisher(store: store, plane: try plane(args))
            if grant { try publisher.grant(consumer: name, gateway: gateway, resources: resources) } else {
                try publisher.revoke(consumer: name, gateway: gateway, resources: resources)
            }
            terminal.out("\(grant ? "granted" : "revoked") \(name) on \(resources.isEmpty ? gateway : resources.map { "\(gateway)/\($0)" }.joined(separator: ", "))\n")
            return ExitCode.ok
        }
    }
}
