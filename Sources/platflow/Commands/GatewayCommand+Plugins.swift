import Foundation
import PlatGateway
import PlatLang

/// `platflow gateway plugin ...`: the plugin market (the stdlib catalogue plus installed files), each plugin's
/// doc in one format, a template to start one, and turning plugins on and off on resources.
extension GatewayCommand {
    static let plugin = CommandSpec(
        name: "plugin", summary: "Gateway plugins written in .plat: list, show, new, install, enable, disable, order.",
        subcommands: [pluginList, pluginShow, pluginNew, pluginInstall, pluginEnable, pluginDisable, pluginOrder],
        details: """
            A plugin is a .plat file with name, version, priority, schema (typed fields with defaults and
            constraints), doc, and functions check_schema(conf), init(conf, ctx), rewrite(conf, ctx), access(conf, ctx),
            log(conf, ctx); phase functions return nginx directives built with directive(NAME, [ARGS]),
            variable(NAME), concat([...]) and when(LEFT, OP, RIGHT, [...]), which quote what they are given, and
            Lua blocks with lua(PHASE, CODE) (PHASE: rewrite, access, header_filter, body_filter, log; needs
            Debian's libnginx-mod-http-lua). Directives are written phase first (rewrite, access, log), then by
            priority (higher first). App-key auth is the plugin app_key: enable/disable set the resource's auth.
            """)

    static let pluginList = leaf(
        "list", "List the plugins of the market (stdlib and installed); --search finds words in names, descriptions and fields.",
        usage: ["platflow gateway plugin list [--search WORDS] [--json]"],
        flags: [FlagSpec(name: "search", value: "WORDS", help: "only plugins whose name, description or field docs hold every word"), jsonFlag],
        examples: ["platflow gateway plugin list", "platflow gateway plugin list --search \"client address\""], arguments: 0...0) { args, store, terminal in
        var ps = try store.pluginCatalogue().plugins.values.sorted { $0.name < $1.name }
        if let words = args.value("search")?.lowercased().split(separator: " ").map(String.init), !words.isEmpty {
            ps = ps.filter { p in
                let text = ([p.name, p.description] + p.fields.map { "\($0.name) \($0.doc)" }).joined(separator: " ").lowercased()
                return words.allSatisfy { text.contains($0) }
            }
        }
        if args.has("json") {
            terminal.out(jsonText(ps.map { ["name": $0.name, "version": $0.version, "priority": $0.priority, "phases": $0.phases,
                                            "origin": $0.origin, "description": $0.description] as [String: Any] }))
            return ExitCode.ok
        }
        var t = Table(header: ["PLUGIN", "VERSION", "PRIORITY", "PHASES", "FROM", "DESCRIPTION"])
        for p in ps { t.rows.append([p.name, p.version, String(p.priority), (p.hasInit ? ["init"] : []) .joined() + (p.hasInit && !p.phases.isEmpty ? "," : "") + p.phases.joined(separator: ","), p.origin, p.description]) }
        terminal.out(ps.isEmpty ? "no plugin matches\n" : t.render())
        return ExitCode.ok
    }

    static let pluginShow = leaf(
        "show", "Show a plugin's doc: version, description, attributes, how to enable, test and remove it.",
        usage: ["platflow gateway plugin show NAME [--source]"], flags: [FlagSpec(name: "source", help: "print its .plat source instead")],
        examples: ["platflow gateway plugin show rate_limit"], arguments: 1...1) { args, store, terminal in
        let p = try store.pluginCatalogue().plugin(args.positional[0], owner: "gateway plugin show")
        if args.has("source") { terminal.out(p.source.hasSuffix("\n") ? p.source : p.source + "\n"); return ExitCode.ok }
        var out = "\(p.name) \(p.version) (priority \(p.priority), from \(p.origin))\n\n\(p.description)\n\nattributes:\n"
        for f in p.fields {
            var c: [String] = [f.kind.rawValue]
            if f.required { c.append("required") }
            if let d = f.defaultValue { c.append("default \(d.printed)") }
            if let lo = f.min { c.append("min \(lo)") }
            if let hi = f.max { c.append("max \(hi)") }
            if !f.oneOf.isEmpty { c.append("one of \(f.oneOf.joined(separator: "|"))") }
            out += "  \(f.name) (\(c.joined(separator: ", ")))\(f.doc.isEmpty ? "" : ": \(f.doc)")\n"
        }
        if p.fields.isEmpty { out += "  none\n" }
        out += "\nphases: \(([p.hasInit ? "init (http)" : nil].compactMap { $0 } + p.phases).joined(separator: ", "))\n"
        for k in ["enable", "test", "remove"] { out += "\(k): \(p.doc[k] ?? "-")\n" }
        terminal.out(out)
        return ExitCode.ok
    }

    static let pluginInstall = leaf(
        "install", "Install a plugin from its .plat file (or upgrade it); it joins the market.",
        usage: ["platflow gateway plugin install PATH [--as NAME]"], flags: [actorFlag],
        examples: ["platflow gateway plugin install plugins/geo_block/plugin.plat"], arguments: 1...1) { args, store, terminal in
        let p = try store.installPlugin(path: args.positional[0])
        terminal.out("installed plugin \(p.name) \(p.version)\n")
        return ExitCode.ok
    }

    static func pluginSettings(_ args: ParsedArguments) throws -> [String: String] {
        var out: [String: String] = [:]
        for kv in args.values("set") {
            guard let eq = kv.firstIndex(of: "="), eq != kv.startIndex else { throw UsageError("--set takes KEY=VALUE, got '\(kv)'", hint: "--set rate=10r/s") }
            out[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
        }
        return out
    }

    static let pluginEnable = leaf(
        "enable", "Turn a plugin on for a resource of a gateway's definition (checked against its schema).",
        usage: ["platflow gateway plugin enable GATEWAY RESOURCE PLUGIN [--set KEY=VALUE]..."],
        flags: [FlagSpec(name: "set", value: "KEY=VALUE", repeats: true, help: "a setting (lists as comma-separated text)"), actorFlag],
        examples: ["platflow gateway plugin enable shop list_orders rate_limit --set rate=10r/s --set burst=20"],
        details: "The definition changes; create a version and publish it to serve it.", arguments: 3...3) { args, store, terminal in
        try store.setPlugin(gateway: args.positional[0], resource: args.positional[1], plugin: args.positional[2], settings: try pluginSettings(args))
        terminal.out("enabled \(args.positional[2]) on \(args.positional[0])/\(args.positional[1])\n")
        return ExitCode.ok
    }

    static let pluginDisable = leaf(
        "disable", "Turn a plugin off for a resource of a gateway's definition.",
        usage: ["platflow gateway plugin disable GATEWAY RESOURCE PLUGIN"], flags: [actorFlag],
        examples: ["platflow gateway plugin disable shop list_orders rate_limit"], arguments: 3...3) { args, store, terminal in
        try store.setPlugin(gateway: args.positional[0], resource: args.positional[1], plugin: args.positional[2], settings: nil)
        terminal.out("disabled \(args.positional[2]) on \(args.positional[0])/\(args.positional[1])\n")
        return ExitCode.ok
    }

    static let pluginOrder = leaf(
        "order", "Show the order a resource's plugins run in (phase first, then priority) and the directives each writes.",
        usage: ["platflow gateway plugin order GATEWAY RESOURCE [--stage STAGE]"],
        flags: [FlagSpec(name: "stage", value: "STAGE", help: "the stage whose names the directives use", defaultText: "the first")],
        examples: ["platflow gateway plugin order shop list_orders"], arguments: 2...2) { args, store, terminal in
        let d = try store.definition(args.positional[0])
        guard let r = d.resources.first(where: { $0.name == args.positional[1] }) else {
            throw GatewayError.invalidInput("gateway '\(d.name)' has no resource '\(args.positional[1])'",
                                            hint: closestName(to: args.positional[1], in: d.resources.map(\.name)).map { "did you mean '\($0)'?" })
        }
        let stage = try args.value("stage").map { n in
            guard let s = d.stage(n) else { throw UsageError("gateway '\(d.name)' has no stage '\(n)'") }
            return s
        } ?? d.stages.first ?? GatewayStage(name: "-")
        let catalogue = try store.pluginCatalogue()
        let v = ResourceVersion(gateway: d.name, version: "0.0.0", defaultAuth: d.defaultAuth, resources: [r], comment: "", createdBy: "", createdAt: 0)
        let lines = try PluginLines.compute([ServedStage(gateway: d, stage: stage, version: v, releaseID: 0)], catalogue: catalogue)[
            NginxRenderer.name(d.name, stage.name, r.name)] ?? PluginLines()
        var running = r
        running.plugins = PluginCatalogue.effective(r, auth: v.auth(of: r), stage: stage)
        var out = ""
        for (phase, p) in try catalogue.order(running, owner: "resource '\(r.name)'") { out += "\(phase)  \(p.priority)  \(p.name)\n" }
        if out.isEmpty { terminal.out("resource \(r.name) uses no plugins\n"); return ExitCode.ok }
        if !lines.http.isEmpty { out += "\nhttp:\n" + lines.http.map { "    " + $0 + "\n" }.joined() }
        for phase in GatewayPlugin.phases { if let ls = lines.phases[phase], !ls.isEmpty { out += "\n\(phase):\n" + ls.map { $0 + "\n" }.joined() } }
        for phase in LuaChunk.phases {
            for c in lines.lua[phase] ?? [] { out += "\n\(phase)_by_lua (\(c.plugin)):\n" + c.code.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 + "\n" }.joined() }
        }
        terminal.out(out)
        return ExitCode.ok
    }
}

extension GatewayCommand {
    static func pluginTemplate(_ name: String) -> String {
        """
        # The gateway plugin \(name). Contract: docs/gateway.md, "Plugins".
        let name = "\(name)"
        let version = "0.1.0"
        # Within a phase, higher priorities write their directives first.
        let priority = 1000
        let description = "Adds a response header naming the gateway stage."
        let schema = {
            header: {type: "string", default: "X-Served-By", pattern: "^[A-Za-z0-9-]+$", doc: "the header's name"},
        }
        let doc = {
            enable: "plugins: {\(name): {header: \\"X-Served-By\\"}}",
            test: "sh test.sh (renders example.yaml and looks for the directive)",
            remove: "delete the \(name) entry from the resource's plugins",
        }

        # nil when the conf is fine, else the problem as text.
        fn check_schema(conf) {
            if conf.header == "Host" { return "header may not be Host" }
            return nil
        }

        fn rewrite(conf, ctx) {
            return [directive("add_header", [conf.header, ctx.stage + "." + ctx.gateway, "always"])]
        }

        """
    }

    static func pluginExample(_ name: String) -> String {
        """
        name: \(name)_example
        stages:
          test: {class: test, backends: ["http://127.0.0.1:18081"]}
        resources:
          ping: {method: GET, path: /ping, plugins: {\(name): {header: X-Served-By}}}

        """
    }

    static func pluginTest(_ name: String) -> String {
        """
        #!/bin/sh
        # Installs the plugin into a scratch database, imports the example gateway, publishes it and checks that the
        # rendered nginx configuration has the plugin's directive. Run from this folder: sh test.sh
        set -eu
        db=$(mktemp -d)/test.db
        platflow gateway plugin install plugin.plat --db "$db"
        platflow gateway import example.yaml --db "$db"
        platflow gateway version create \(name)_example 1.0.0 --db "$db"
        platflow gateway publish \(name)_example 1.0.0 --stage test --db "$db"
        platflow gateway render --db "$db" | grep -q 'add_header X-Served-By test.\(name)_example always;'
        echo "\(name): ok"

        """
    }

    static let pluginNew = leaf(
        "new", "Write a plugin template with an example gateway and a test into a new folder NAME/.",
        usage: ["platflow gateway plugin new NAME [--dir DIR]"],
        flags: [FlagSpec(name: "dir", value: "DIR", help: "where the folder is made", defaultText: ".")],
        examples: ["platflow gateway plugin new served_by && sh served_by/test.sh"], arguments: 1...1) { args, store, terminal in
        let name = args.positional[0]
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), name.first?.isLetter == true else {
            throw UsageError("plugin name '\(name)' is not a name", hint: "letters, digits and '_', starting with a letter")
        }
        let folder = (args.value("dir") ?? ".") + "/" + name
        guard !FileManager.default.fileExists(atPath: folder) else { throw UsageError("\(folder) exists already", hint: "choose another name or --dir") }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try pluginTemplate(name).write(toFile: folder + "/plugin.plat", atomically: true, encoding: .utf8)
        try pluginExample(name).write(toFile: folder + "/example.yaml", atomically: true, encoding: .utf8)
        try pluginTest(name).write(toFile: folder + "/test.sh", atomically: true, encoding: .utf8)
        terminal.out("wrote \(folder)/plugin.plat, example.yaml and test.sh\n")
        return ExitCode.ok
    }
}

extension GatewayCommand {
    static let ratelimit = CommandSpec(name: "ratelimit", summary: "Rate limits of resources, stages and consumers (429 past them).", subcommands: [
        leaf("set", "Limit a resource, a stage (--stage) or a consumer (--consumer): past the rate and burst, 429.",
             usage: ["platflow gateway ratelimit set GATEWAY RESOURCE RATE [--burst N] [--by address|consumer]",
                     "platflow gateway ratelimit set GATEWAY RESOURCE|'*' RATE --stage STAGE [--burst N] [--by address|consumer]",
                     "platflow gateway ratelimit set GATEWAY RESOURCE|'*' RATE --consumer NAME [--burst N] [--prefix DIR]"],
             flags: [FlagSpec(name: "burst", value: "N", help: "requests above the rate answered at once", defaultText: "0"),
                     FlagSpec(name: "by", value: "address|consumer", help: "what is counted", defaultText: "address"),
                     FlagSpec(name: "stage", value: "STAGE", help: "set the stage's own limit instead of the resource's"),
                     FlagSpec(name: "consumer", value: "NAME", help: "set this consumer's (app's) own limit, on every stage at once"),
                     prefixFlag, nginxFlag, actorFlag],
             examples: ["platflow gateway ratelimit set shop list_orders 10r/s --burst 20 --by consumer",
                        "platflow gateway ratelimit set shop list_orders 2r/s --stage test",
                        "platflow gateway ratelimit set shop '*' 100r/s --burst 50 --stage prod",
                        "platflow gateway ratelimit set shop '*' 5r/s --consumer reports --prefix .platflow/gateway"],
             details: """
                 Without --stage: the same as `gateway plugin enable GATEWAY RESOURCE rate_limit --set rate=RATE ...`;
                 the definition changes and a new version carries it. With --stage: the stage's own limit, which
                 applies to whatever version the stage serves from its next publish or rollback on: for a resource it
                 replaces the resource's own limit on that stage; for '*' it is one budget shared by every resource of
                 the stage, counted in addition to their own limits. By consumer needs the resource's auth to be
                 app_key or both (the key is checked before the limit). With --consumer: that consumer's own budget
                 on one resource or ('*') the whole gateway, on every stage, counted after its key was accepted and
                 in addition to every other limit; like grants it is consumer data, applied at once (with --prefix
                 to this machine's nginx, and to stages with an nginx of their own).
                 """, arguments: 3...3) { args, store, terminal in
            var settings = ["rate": args.positional[2]]
            if let b = args.value("burst") { settings["burst"] = b }
            if let by = args.value("by") { settings["by"] = by }
            let (g, r) = (args.positional[0], args.positional[1])
            if let consumer = args.value("consumer") {
                guard args.value("stage") == nil, args.value("by") == nil else { throw UsageError("--consumer takes neither --stage nor --by", hint: "a consumer's limit counts its own calls on every stage") }
                guard let burst = Int(args.value("burst") ?? "0") else { throw UsageError("--burst takes a whole number") }
                try GatewayPublisher(store: store, plane: try plane(args)).setConsumerLimit(consumer: consumer, gateway: g, resource: r == "*" ? nil : r,
                                                                                           rate: args.positional[2], burst: burst)
            } else if let stage = args.value("stage") {
                try store.setStageRateLimit(gateway: g, stage: stage, resource: r, settings: settings)
            } else {
                try store.setPlugin(gateway: g, resource: r, plugin: "rate_limit", settings: settings)
            }
            terminal.out("rate limit of \(g)/\(r)\(args.value("stage").map { " on stage \($0)" } ?? "")\(args.value("consumer").map { " for consumer \($0)" } ?? ""): \(args.positional[2])\(args.value("burst").map { ", burst \($0)" } ?? "")\(args.value("by").map { ", by \($0)" } ?? "")\n")
            return ExitCode.ok
        },
        leaf("remove", "Remove a resource's rate limit, or a stage's (--stage) or a consumer's (--consumer) for a resource or '*'.",
             usage: ["platflow gateway ratelimit remove GATEWAY RESOURCE|'*' [--stage STAGE | --consumer NAME [--prefix DIR]]"],
             flags: [FlagSpec(name: "stage", value: "STAGE", help: "remove the stage's own limit instead of the resource's"),
                     FlagSpec(name: "consumer", value: "NAME", help: "remove this consumer's own limit"), prefixFlag, nginxFlag, actorFlag],
             examples: ["platflow gateway ratelimit remove shop list_orders", "platflow gateway ratelimit remove shop '*' --stage prod"],
             arguments: 2...2) { args, store, terminal in
            let (g, r) = (args.positional[0], args.positional[1])
            if let consumer = args.value("consumer") {
                try GatewayPublisher(store: store, plane: try plane(args)).setConsumerLimit(consumer: consumer, gateway: g, resource: r == "*" ? nil : r, rate: nil)
            } else if let stage = args.value("stage") {
                try store.setStageRateLimit(gateway: g, stage: stage, resource: r, settings: nil)
            } else {
                try store.setPlugin(gateway: g, resource: r, plugin: "rate_limit", settings: nil)
            }
            terminal.out("removed the rate limit of \(g)/\(r)\(args.value("stage").map { " on stage \($0)" } ?? "")\(args.value("consumer").map { " for consumer \($0)" } ?? "")\n")
            return ExitCode.ok
        },
        leaf("list", "List the rate limits of a gateway: each resource's own, each stage's and each consumer's.",
             usage: ["platflow gateway ratelimit list GATEWAY [--json]"], flags: [jsonFlag],
             examples: ["platflow gateway ratelimit list shop"], arguments: 1...1) { args, store, terminal in
            let d = try store.definition(args.positional[0])
            var rows: [[String]] = []
            for r in d.resources { if let l = r.plugins["rate_limit"] { rows.append(["(resource)", r.name] + limitColumns(l)) } }
            for s in d.stages { for k in s.limits.keys.sorted() { rows.append([s.name, k] + limitColumns(s.limits[k]!)) } }
            for l in try store.consumerLimits(gateway: d.name) { rows.append(["(all)", l.resource ?? "*", l.rate, String(l.burst), "consumer " + l.consumer]) }
            if args.has("json") {
                terminal.out(jsonText(rows.map { ["stage": $0[0], "resource": $0[1], "rate": $0[2], "burst": $0[3], "by": $0[4]] }))
                return ExitCode.ok
            }
            var t = Table(header: ["STAGE", "RESOURCE", "RATE", "BURST", "BY"])
            t.rows = rows
            terminal.out(rows.isEmpty ? "gateway \(d.name) has no rate limits\n" : t.render())
            return ExitCode.ok
        },
    ])

    static func limitColumns(_ l: [String: String]) -> [String] { [l["rate"] ?? "-", l["burst"] ?? "0", l["by"] ?? "address"] }
}
