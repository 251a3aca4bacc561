import Foundation
import PlatCMDB
import PlatLang

/// `cmdb biz|set|module|topo|transfer|template`.
extension CMDBCommand {
    /// `BIZ/SET` (2 parts) or `BIZ/SET/MODULE` (3 parts), none empty.
    static func topologyPath(_ text: String, parts: Int, _ usage: String) throws -> [String] {
        let p = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard p.count == parts, p.allSatisfy({ !$0.isEmpty }) else {
            throw UsageError("'\(text)' is not \(parts == 2 ? "BIZ/SET" : "BIZ/SET/MODULE")", hint: "platflow cmdb \(usage)")
        }
        return p
    }

    // MARK: biz

    static let biz = CommandSpec(
        name: "biz", summary: "Businesses: add (with their idle set), list, rename, delete.",
        subcommands: [bizAdd, bizList, bizRename, bizDelete])

    static let bizAdd = leaf(
        "add", "Add businesses, each with its idle set (idle, fault and recycle modules).",
        usage: ["platflow cmdb biz add NAME..."], flags: [actorFlag],
        examples: ["platflow cmdb biz add shop"]) { args, cmdb, terminal in
        try need(args.positional, 1, "biz add NAME")
        for n in args.positional { try cmdb.addBiz(n); terminal.out("added business \(n) with its idle set (idle, fault, recycle)\n") }
        return ExitCode.ok
    }

    static let bizList = leaf(
        "list", "List the businesses with their host counts, and the resource pool's.",
        usage: ["platflow cmdb biz list [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb biz list"]) { args, cmdb, terminal in
        let all = try cmdb.businesses()
        if args.has("json") {
            terminal.out(jsonText(try all.map { b -> [String: Any] in ["name": b, "hosts": try cmdb.tree(biz: b).hosts] }))
        } else {
            var t = Table(header: ["BUSINESS", "HOSTS"])
            for b in all { t.rows.append([b, String(try cmdb.tree(biz: b).hosts)]) }
            t.rows.append(["(resource pool)", String(try cmdb.poolCount())])
            terminal.out(t.render())
        }
        return ExitCode.ok
    }

    static let bizRename = leaf(
        "rename", "Rename a business.",
        usage: ["platflow cmdb biz rename NAME NEW"], flags: [actorFlag],
        examples: ["platflow cmdb biz rename shop store"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 2, "biz rename NAME NEW")
        try cmdb.renameBiz(words[0], to: words[1])
        terminal.out("renamed business \(words[0]) to \(words[1])\n")
        return ExitCode.ok
    }

    static let bizDelete = leaf(
        "delete", "Delete a business that holds no hosts.",
        usage: ["platflow cmdb biz delete NAME"], flags: [actorFlag],
        examples: ["platflow cmdb biz delete shop"]) { args, cmdb, terminal in
        try need(args.positional, 1, "biz delete NAME")
        try cmdb.deleteBiz(args.positional[0])
        terminal.out("deleted business \(args.positional[0])\n")
        return ExitCode.ok
    }

    // MARK: set

    static let set = CommandSpec(
        name: "set", summary: "Sets of a business: add (optionally from a set template), rename, delete.",
        subcommands: [setAdd, setRename, setDelete])

    static let setAdd = leaf(
        "add", "Add a set to a business, its modules made from a set template with --template.",
        usage: ["platflow cmdb set add BIZ/SET [--template T]"],
        flags: [FlagSpec(name: "template", value: "NAME", help: "create the set's modules from this set template"), actorFlag],
        examples: ["platflow cmdb set add shop/web", "platflow cmdb set add shop/web2 --template web"]) { args, cmdb, terminal in
        try need(args.positional, 1, "set add BIZ/SET")
        let p = try topologyPath(args.positional[0], parts: 2, "set add BIZ/SET")
        try cmdb.addSet(biz: p[0], p[1], template: args.value("template"))
        terminal.out("added set \(args.positional[0])\(args.value("template").map { " from template \($0)" } ?? "")\n")
        return ExitCode.ok
    }

    static let setRename = leaf(
        "rename", "Rename a set.",
        usage: ["platflow cmdb set rename BIZ/SET NEW"], flags: [actorFlag],
        examples: ["platflow cmdb set rename shop/web frontend"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 1, "set rename BIZ/SET")
        let p = try topologyPath(words[0], parts: 2, "set rename BIZ/SET")
        try need(words, 2, "set rename BIZ/SET NEW")
        try cmdb.renameSet(biz: p[0], p[1], to: words[1])
        terminal.out("renamed set \(words[0]) to \(words[1])\n")
        return ExitCode.ok
    }

    static let setDelete = leaf(
        "delete", "Delete a set whose modules hold no hosts.",
        usage: ["platflow cmdb set delete BIZ/SET"], flags: [actorFlag],
        examples: ["platflow cmdb set delete shop/web"]) { args, cmdb, terminal in
        try need(args.positional, 1, "set delete BIZ/SET")
        let p = try topologyPath(args.positional[0], parts: 2, "set delete BIZ/SET")
        try cmdb.deleteSet(biz: p[0], p[1])
        terminal.out("deleted set \(args.positional[0])\n")
        return ExitCode.ok
    }

    // MARK: module

    static let module = CommandSpec(
        name: "module", summary: "Modules of a set: add, rename, delete.",
        subcommands: [moduleAdd, moduleRename, moduleDelete])

    static let moduleAdd = leaf(
        "add", "Add a module to a set.",
        usage: ["platflow cmdb module add BIZ/SET/MODULE"], flags: [actorFlag],
        examples: ["platflow cmdb module add shop/web/nginx"]) { args, cmdb, terminal in
        try need(args.positional, 1, "module add BIZ/SET/MODULE")
        let p = try topologyPath(args.positional[0], parts: 3, "module add BIZ/SET/MODULE")
        try cmdb.addModule(biz: p[0], set: p[1], p[2])
        terminal.out("added module \(args.positional[0])\n")
        return ExitCode.ok
    }

    static let moduleRename = leaf(
        "rename", "Rename a module.",
        usage: ["platflow cmdb module rename BIZ/SET/MODULE NEW"], flags: [actorFlag],
        examples: ["platflow cmdb module rename shop/web/nginx openresty"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 1, "module rename BIZ/SET/MODULE")
        _ = try topologyPath(words[0], parts: 3, "module rename BIZ/SET/MODULE")
        try need(words, 2, "module rename BIZ/SET/MODULE NEW")
        try cmdb.renameModule(words[0], to: words[1])
        terminal.out("renamed module \(words[0]) to \(words[1])\n")
        return ExitCode.ok
    }

    static let moduleDelete = leaf(
        "delete", "Delete a module that holds no hosts.",
        usage: ["platflow cmdb module delete BIZ/SET/MODULE"], flags: [actorFlag],
        examples: ["platflow cmdb module delete shop/web/nginx"]) { args, cmdb, terminal in
        try need(args.positional, 1, "module delete BIZ/SET/MODULE")
        _ = try topologyPath(args.positional[0], parts: 3, "module delete BIZ/SET/MODULE")
        try cmdb.deleteModule(args.positional[0])
        terminal.out("deleted module \(args.positional[0])\n")
        return ExitCode.ok
    }

    // MARK: topo, transfer

    static let topo = leaf(
        "topo", "Print the topology: businesses, their sets and modules with host counts, and the resource pool.",
        usage: ["platflow cmdb topo [BIZ...] [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb topo", "platflow cmdb topo shop --json"]) { args, cmdb, terminal in
        let rest = args.positional
        let names = rest.isEmpty ? try cmdb.businesses() : rest
        let trees = try names.map { try cmdb.tree(biz: $0) }
        if args.has("json") {
            terminal.out(jsonText(trees.map { t -> [String: Any] in
                ["name": t.name, "hosts": t.hosts, "sets": t.sets.map { s -> [String: Any] in
                    ["name": s.name, "builtin": s.builtin, "template": s.template ?? NSNull(),
                     "modules": s.modules.map { ["name": $0.name, "kind": $0.kind.rawValue, "hosts": $0.hosts] as [String: Any] }]
                }] as [String: Any]
            }))
        } else {
            var out = ""
            for t in trees {
                out += "\(t.name)  (\(t.hosts) host\(t.hosts == 1 ? "" : "s"))\n"
                for s in t.sets {
                    out += "  \(s.name)\(s.builtin ? "  [built in]" : "")\(s.template.map { "  [template \($0)]" } ?? "")\n"
                    for m in s.modules { out += "    \(m.name)  \(m.hosts)\(m.kind.isBuiltin ? "  [\(m.kind.rawValue)]" : "")\n" }
                }
            }
            if rest.isEmpty { out += "(resource pool)  \(try cmdb.poolCount()) host(s)\n" }
            terminal.out(out)
        }
        return ExitCode.ok
    }

    static let transfer = leaf(
        "transfer", "Move hosts to modules, to a business's idle, fault or recycle module, or back to the pool.",
        usage: ["platflow cmdb transfer [HOST...] [--where FILTER] (--to BIZ/SET/MODULE [--to ...] [--append] | --to-idle BIZ | --to-fault BIZ | --to-recycle BIZ | --to-pool)"],
        flags: [
            FlagSpec(name: "to", value: "BIZ/SET/MODULE", repeats: true, help: "a target module (repeat for several)"),
            FlagSpec(name: "to-idle", value: "BIZ", help: "the business's idle module"),
            FlagSpec(name: "to-fault", value: "BIZ", help: "the business's fault module"),
            FlagSpec(name: "to-recycle", value: "BIZ", help: "the business's recycle module"),
            FlagSpec(name: "to-pool", help: "return hosts (solely in idle) to the resource pool"),
            FlagSpec(name: "append", help: "add the modules instead of replacing the host's modules"),
            FlagSpec(name: "where", value: "FILTER", help: "transfer the hosts this filter selects (besides those named)"),
            cloudFlag, jsonFlag, actorFlag,
        ],
        examples: ["platflow cmdb transfer 10.0.0.5 --to shop/web/nginx",
                   "platflow cmdb transfer --where 'city == \"sh\"' --to-idle shop"]) { args, cmdb, terminal in
        try transferHosts(args.positional, args, cmdb, terminal)
    }

    static func transferHosts(_ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        var targets: [TransferTarget] = []
        if !args.values("to").isEmpty { targets.append(.modules(args.values("to"))) }
        if let b = args.value("to-idle") { targets.append(.builtin(biz: b, .idle)) }
        if let b = args.value("to-fault") { targets.append(.builtin(biz: b, .fault)) }
        if let b = args.value("to-recycle") { targets.append(.builtin(biz: b, .recycle)) }
        if args.has("to-pool") { targets.append(.pool) }
        guard targets.count == 1, let target = targets.first else {
            throw UsageError(targets.isEmpty ? "cmdb transfer needs a target" : "give one kind of target",
                             hint: "--to BIZ/SET/MODULE (repeatable), --to-idle BIZ, --to-fault BIZ, --to-recycle BIZ or --to-pool")
        }
        var ids: [Int64] = []
        if let filter = args.value("where") { ids += try cmdb.hostIDs(where: filter) }
        for ref in rest { ids.append(try cmdb.resolveHost(ref, cloudArea: try cloud(args)).id) }
        guard !ids.isEmpty else {
            throw UsageError("cmdb transfer needs hosts", hint: "name them (10.0.0.5 web-01 #12) or select them with --where")
        }
        let outcomes = try cmdb.transfer(hostIDs: ids, to: target, append: args.has("append"))
        if args.has("json") {
            terminal.out(jsonText(outcomes.map { ["id": $0.host.id, "host": $0.host.label, "before": $0.before, "after": $0.after] as [String: Any] }))
            return ExitCode.ok
        }
        let moved = outcomes.filter(\.changed)
        for o in moved {
            terminal.out("\(o.host.label): \(o.before.isEmpty ? "(pool)" : o.before.joined(separator: ",")) -> \(o.after.isEmpty ? "(pool)" : o.after.joined(separator: ","))\n")
        }
        terminal.err("\(moved.count) of \(outcomes.count) host\(outcomes.count == 1 ? "" : "s") moved\n")
        return ExitCode.ok
    }
}
