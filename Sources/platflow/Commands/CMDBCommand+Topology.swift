import Foundation
import PlatCMDB
import PlatLang

/// `cmdb biz|set|module|topo|transfer|template`.
extension CMDBCommand {
    static func topologyCommand(_ sub: String, _ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        let verb = rest.first ?? ""
        let words = Array(rest.dropFirst())
        func path(_ text: String, parts: Int, _ usage: String) throws -> [String] {
            let p = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard p.count == parts, p.allSatisfy({ !$0.isEmpty }) else {
                throw UsageError("'\(text)' is not \(parts == 2 ? "BIZ/SET" : "BIZ/SET/MODULE")", hint: "platflow cmdb \(usage)")
            }
            return p
        }
        func verbs(_ list: [String]) throws {
            guard list.contains(verb) else {
                throw UsageError("cmdb \(sub) needs one of: \(list.joined(separator: ", "))",
                                 hint: closestName(to: verb, in: list).map { "did you mean '\($0)'?" })
            }
        }
        switch sub {
        case "biz":
            try verbs(["add", "list", "rename", "delete"])
            switch verb {
            case "add":
                try need(words, 1, "biz add NAME")
                for n in words { try cmdb.addBiz(n); terminal.out("added business \(n) with its idle set (idle, fault, recycle)\n") }
            case "rename":
                try need(words, 2, "biz rename NAME NEW")
                try cmdb.renameBiz(words[0], to: words[1])
                terminal.out("renamed business \(words[0]) to \(words[1])\n")
            case "delete":
                try need(words, 1, "biz delete NAME")
                try cmdb.deleteBiz(words[0])
                terminal.out("deleted business \(words[0])\n")
            default:
                let all = try cmdb.businesses()
                if args.has("json") {
                    terminal.out(jsonText(try all.map { b -> [String: Any] in ["name": b, "hosts": try cmdb.tree(biz: b).hosts] }))
                } else {
                    var t = Table(header: ["BUSINESS", "HOSTS"])
                    for b in all { t.rows.append([b, String(try cmdb.tree(biz: b).hosts)]) }
                    t.rows.append(["(resource pool)", String(try cmdb.poolCount())])
                    terminal.out(t.render())
                }
            }
        case "set":
            try verbs(["add", "rename", "delete"])
            try need(words, 1, "set \(verb) BIZ/SET")
            let p = try path(words[0], parts: 2, "set \(verb) BIZ/SET")
            switch verb {
            case "add":
                try cmdb.addSet(biz: p[0], p[1], template: args.value("template"))
                terminal.out("added set \(words[0])\(args.value("template").map { " from template \($0)" } ?? "")\n")
            case "rename":
                try need(words, 2, "set rename BIZ/SET NEW")
                try cmdb.renameSet(biz: p[0], p[1], to: words[1])
                terminal.out("renamed set \(words[0]) to \(words[1])\n")
            default:
                try cmdb.deleteSet(biz: p[0], p[1])
                terminal.out("deleted set \(words[0])\n")
            }
        case "module":
            try verbs(["add", "rename", "delete"])
            try need(words, 1, "module \(verb) BIZ/SET/MODULE")
            let p = try path(words[0], parts: 3, "module \(verb) BIZ/SET/MODULE")
            switch verb {
            case "add":
                try cmdb.addModule(biz: p[0], set: p[1], p[2])
                terminal.out("added module \(words[0])\n")
            case "rename":
                try need(words, 2, "module rename BIZ/SET/MODULE NEW")
                try cmdb.renameModule(words[0], to: words[1])
                terminal.out("renamed module \(words[0]) to \(words[1])\n")
            default:
                try cmdb.deleteModule(words[0])
                terminal.out("deleted module \(words[0])\n")
            }
        case "topo":
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
        case "transfer":
            return try transfer(rest, args, cmdb, terminal)
        case "template":
            return try template(rest, args, cmdb, terminal)
        default:
            break
        }
        return ExitCode.ok
    }

    static func transfer(_ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
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

    static func template(_ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        let verbs = ["add", "edit", "diff", "sync", "list", "delete"]
        guard let verb = rest.first, verbs.contains(verb) else {
            throw UsageError("cmdb template needs one of: \(verbs.joined(separator: ", "))")
        }
        let words = Array(rest.dropFirst())
        func printDrift(_ drift: [TemplateDrift]) {
            if drift.isEmpty { terminal.out("no set is made from this template\n"); return }
            for d in drift {
                if d.inSync { terminal.out("\(d.set): in sync\n"); continue }
                var parts: [String] = []
                if !d.add.isEmpty { parts.append("add " + d.add.joined(separator: ", ")) }
                if !d.remove.isEmpty {
                    parts.append("remove " + d.remove.map { m in d.blocked[m].map { "\(m) (BLOCKED: \($0) host(s))" } ?? m }.joined(separator: ", "))
                }
                terminal.out("\(d.set): \(parts.joined(separator: "; "))\n")
            }
        }
        switch verb {
        case "add":
            try need(words, 1, "template add NAME --module M...")
            try cmdb.addSetTemplate(words[0], modules: args.values("module"))
            terminal.out("added set template \(words[0]) (\(args.values("module").joined(separator: ", ")))\n")
        case "edit":
            try need(words, 1, "template edit NAME --add-module M --remove-module M")
            try cmdb.editSetTemplate(words[0], addModules: args.values("add-module"), removeModules: args.values("remove-module"))
            terminal.out("changed template \(words[0]); preview with `cmdb template diff \(words[0])`, apply with `cmdb template sync \(words[0])`\n")
        case "diff":
            try need(words, 1, "template diff NAME")
            printDrift(try cmdb.templateDrift(words[0]))
        case "sync":
            try need(words, 1, "template sync NAME")
            printDrift(try cmdb.syncSetTemplate(words[0]))
        case "delete":
            try need(words, 1, "template delete NAME")
            try cmdb.deleteSetTemplate(words[0])
            terminal.out("deleted set template \(words[0])\n")
        default:
            var t = Table(header: ["TEMPLATE", "MODULES"])
            for tpl in try cmdb.setTemplates() { t.rows.append([tpl.name, tpl.modules.joined(separator: ", ")]) }
            terminal.out(t.render())
        }
        return ExitCode.ok
    }
}
