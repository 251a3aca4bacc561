import Foundation
import PlatCMDB
import PlatLang

/// `cmdb template ...`: set templates, the sets made from them, and their drift.
extension CMDBCommand {
    static let template = CommandSpec(
        name: "template", summary: "Set templates: the modules a set is made of, kept in sync with the sets made from them.",
        subcommands: [templateAdd, templateEdit, templateDiff, templateSync, templateList, templateDelete])

    static let templateAdd = leaf(
        "add", "Add a set template with its modules.",
        usage: ["platflow cmdb template add NAME --module M..."],
        flags: [FlagSpec(name: "module", value: "NAME", repeats: true, help: "a module of the template (repeat for several)"), actorFlag],
        examples: ["platflow cmdb template add web --module nginx --module php"]) { args, cmdb, terminal in
        try need(args.positional, 1, "template add NAME --module M...")
        try cmdb.addSetTemplate(args.positional[0], modules: args.values("module"))
        terminal.out("added set template \(args.positional[0]) (\(args.values("module").joined(separator: ", ")))\n")
        return ExitCode.ok
    }

    static let templateEdit = leaf(
        "edit", "Add or remove modules of a template; the sets made from it change with `template sync`.",
        usage: ["platflow cmdb template edit NAME [--add-module M] [--remove-module M]"],
        flags: [
            FlagSpec(name: "add-module", value: "NAME", repeats: true, help: "add a module"),
            FlagSpec(name: "remove-module", value: "NAME", repeats: true, help: "remove a module"),
            actorFlag,
        ],
        examples: ["platflow cmdb template edit web --add-module redis --remove-module php"]) { args, cmdb, terminal in
        try need(args.positional, 1, "template edit NAME --add-module M --remove-module M")
        let name = args.positional[0]
        try cmdb.editSetTemplate(name, addModules: args.values("add-module"), removeModules: args.values("remove-module"))
        terminal.out("changed template \(name); preview with `cmdb template diff \(name)`, apply with `cmdb template sync \(name)`\n")
        return ExitCode.ok
    }

    static let templateDiff = leaf(
        "diff", "Show what syncing would change in each set made from the template.",
        usage: ["platflow cmdb template diff NAME"],
        examples: ["platflow cmdb template diff web"]) { args, cmdb, terminal in
        try need(args.positional, 1, "template diff NAME")
        printDrift(try cmdb.templateDrift(args.positional[0]), terminal)
        return ExitCode.ok
    }

    static let templateSync = leaf(
        "sync", "Bring every set made from the template to its modules (a module that holds hosts is kept).",
        usage: ["platflow cmdb template sync NAME"], flags: [actorFlag],
        examples: ["platflow cmdb template sync web"]) { args, cmdb, terminal in
        try need(args.positional, 1, "template sync NAME")
        printDrift(try cmdb.syncSetTemplate(args.positional[0]), terminal)
        return ExitCode.ok
    }

    static let templateList = leaf(
        "list", "List the set templates and their modules.",
        usage: ["platflow cmdb template list [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb template list"]) { args, cmdb, terminal in
        if args.has("json") {
            terminal.out(jsonText(try cmdb.setTemplates().map { ["name": $0.name, "modules": $0.modules] as [String: Any] }))
            return ExitCode.ok
        }
        var t = Table(header: ["TEMPLATE", "MODULES"])
        for tpl in try cmdb.setTemplates() { t.rows.append([tpl.name, tpl.modules.joined(separator: ", ")]) }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let templateDelete = leaf(
        "delete", "Delete a set template.",
        usage: ["platflow cmdb template delete NAME"], flags: [actorFlag],
        examples: ["platflow cmdb template delete web"]) { args, cmdb, terminal in
        try need(args.positional, 1, "template delete NAME")
        try cmdb.deleteSetTemplate(args.positional[0])
        terminal.out("deleted set template \(args.positional[0])\n")
        return ExitCode.ok
    }

    /// One line per set made from the template: in sync, or the modules to add and remove.
    static func printDrift(_ drift: [TemplateDrift], _ terminal: Terminal) {
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
}
