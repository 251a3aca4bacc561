import Foundation
import PlatCMDB
import PlatLang

/// `cmdb model|inst|assoc|link|unlink`.
extension CMDBCommand {
    // MARK: model

    static let model = CommandSpec(
        name: "model", summary: "Custom models (switch, database...): their attributes and unique rules.",
        subcommands: [modelAdd, modelList, modelShow, modelDelete, modelAttr, modelUnique])

    static let modelAdd = leaf(
        "add", "Add a model with its attributes and unique rules.",
        usage: ["platflow cmdb model add NAME [--class C] --attr SPEC... [--unique a,b]"],
        flags: [
            FlagSpec(name: "class", value: "NAME", help: "its classification", defaultText: "custom"),
            FlagSpec(name: "attr", value: "NAME:TYPE[!][~REGEX]", repeats: true,
                     help: "an attribute; types string text int float bool enum(a,b) enum-multi(a,b) date time user list; ! = required"),
            FlagSpec(name: "unique", value: "a,b", repeats: true, help: "a unique rule (attributes checked together)"),
            actorFlag,
        ],
        examples: ["platflow cmdb model add switch --attr 'name:string!' --attr 'ports:int' --unique name"]) { args, cmdb, terminal in
        try need(args.positional, 1, "model add NAME --attr 'name:string!'")
        let name = args.positional[0]
        let attrs = try args.values("attr").map(CMDB.parseAttribute)
        let unique = args.values("unique").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        try cmdb.addModel(name, classification: args.value("class") ?? "custom", attributes: attrs, unique: unique)
        terminal.out("added model \(name) with \(attrs.count) attribute\(attrs.count == 1 ? "" : "s")\n")
        return ExitCode.ok
    }

    static let modelList = leaf(
        "list", "List the models, built in and custom.",
        usage: ["platflow cmdb model list [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb model list"]) { args, cmdb, terminal in
        let all = try cmdb.models()
        if args.has("json") {
            terminal.out(jsonText(all.map(modelJSON)))
        } else {
            var t = Table(header: ["CLASSIFICATION", "MODEL", "ATTRIBUTES", "UNIQUE"])
            for m in all {
                t.rows.append([m.classification, m.name + (m.builtin ? " (built in)" : ""), String(m.attributes.count),
                               m.uniqueRules.map { "(\($0.joined(separator: ",")))" }.joined(separator: " ")])
            }
            terminal.out(t.render())
        }
        return ExitCode.ok
    }

    static let modelShow = leaf(
        "show", "Show a model's attributes and unique rules.",
        usage: ["platflow cmdb model show NAME [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb model show switch"]) { args, cmdb, terminal in
        try need(args.positional, 1, "model show NAME")
        let m = try cmdb.model(args.positional[0])
        if args.has("json") {
            terminal.out(jsonText(modelJSON(m)))
            return ExitCode.ok
        }
        var out = "model \(m.name)  (classification \(m.classification))\n"
        for a in m.attributes {
            out += "  \(a.name): \(a.type)\(a.required ? "!" : "")\(a.regex.map { "  ~\($0)" } ?? "")\n"
        }
        for r in m.uniqueRules { out += "  unique (\(r.joined(separator: ", ")))\n" }
        terminal.out(out)
        return ExitCode.ok
    }

    static let modelDelete = leaf(
        "delete", "Delete a custom model.",
        usage: ["platflow cmdb model delete NAME"], flags: [actorFlag],
        examples: ["platflow cmdb model delete switch"]) { args, cmdb, terminal in
        try need(args.positional, 1, "model delete NAME")
        try cmdb.deleteModel(args.positional[0])
        terminal.out("deleted model \(args.positional[0])\n")
        return ExitCode.ok
    }

    static let modelAttr = CommandSpec(
        name: "attr", summary: "Add or remove an attribute of a model (host's custom fields too).",
        subcommands: [
            leaf("add", "Add an attribute to a model.",
                 usage: ["platflow cmdb model attr add MODEL NAME:TYPE[!][~REGEX]"], flags: [actorFlag],
                 examples: ["platflow cmdb model attr add host env:enum(prod,test)"]) { args, cmdb, terminal in
                let words = args.positional
                try need(words, 2, "model attr add MODEL NAME:TYPE")
                try cmdb.addAttribute(model: words[0], try CMDB.parseAttribute(words[1]))
                terminal.out("added attribute \(words[1]) to \(words[0])\n")
                return ExitCode.ok
            },
            leaf("remove", "Remove an attribute of a model and its values.",
                 usage: ["platflow cmdb model attr remove MODEL NAME"], flags: [actorFlag],
                 examples: ["platflow cmdb model attr remove host env"]) { args, cmdb, terminal in
                let words = args.positional
                try need(words, 2, "model attr remove MODEL NAME")
                try cmdb.removeAttribute(model: words[0], words[1])
                terminal.out("removed attribute \(words[1]) from \(words[0]) (and its values)\n")
                return ExitCode.ok
            },
        ])

    static let modelUnique = CommandSpec(
        name: "unique", summary: "Unique rules of a model: attributes whose values no two records share.",
        subcommands: [
            leaf("add", "Add a unique rule: the attributes checked together.",
                 usage: ["platflow cmdb model unique add MODEL a,b"], flags: [actorFlag],
                 examples: ["platflow cmdb model unique add switch name,site"]) { args, cmdb, terminal in
                let words = args.positional
                try need(words, 2, "model unique add MODEL a,b")
                try cmdb.addUniqueRule(model: words[0], fields: words[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                terminal.out("added unique rule (\(words[1])) to \(words[0])\n")
                return ExitCode.ok
            },
        ])

    // MARK: inst

    static let inst = CommandSpec(
        name: "inst", summary: "Instances of custom models: add, list, show, edit, delete.",
        subcommands: [instAdd, instList, instShow, instEdit, instDelete])

    static let instAdd = leaf(
        "add", "Add an instance of a model from ATTR=VALUE words.",
        usage: ["platflow cmdb inst add MODEL ATTR=VALUE..."], flags: [actorFlag],
        examples: ["platflow cmdb inst add switch name=sw-01 ports=48"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 2, "inst add MODEL ATTR=VALUE...")
        let i = try cmdb.addInstance(model: words[0], try cmdb.parseInstanceInput(model: words[0], try pairs(Array(words.dropFirst()), what: "cmdb inst add \(words[0])")))
        terminal.out("added \(i.title) (#\(i.id))\n")
        return ExitCode.ok
    }

    static let instList = leaf(
        "list", "List a model's instances, all or those a filter selects.",
        usage: ["platflow cmdb inst list MODEL [--where FILTER] [--limit N] [--json]"], flags: [whereFlag, limitFlag, jsonFlag],
        examples: ["platflow cmdb inst list switch --where 'ports >= 48'"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 1, "inst list MODEL [--where FILTER]")
        let m = try cmdb.model(words[0])
        let all = try cmdb.instances(model: words[0], where: args.value("where"), limit: try limit(args))
        if args.has("json") {
            terminal.out(jsonText(all.map { $0.jsonObject(attributes: m.attributes) }))
        } else {
            var t = Table(header: ["ID"] + m.attributes.map { $0.name.uppercased() })
            for i in all { t.rows.append([String(i.id)] + m.attributes.map { i[$0.name].isNull ? "-" : i[$0.name].text }) }
            terminal.out(t.render())
        }
        return ExitCode.ok
    }

    static let instShow = leaf(
        "show", "Show an instance's attributes and links.",
        usage: ["platflow cmdb inst show MODEL REF [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb inst show switch sw-01"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 2, "inst show MODEL REF")
        let i = try cmdb.resolveInstance(model: words[0], words[1])
        let m = try cmdb.model(words[0])
        if args.has("json") {
            terminal.out(jsonText(i.jsonObject(attributes: m.attributes)))
            return ExitCode.ok
        }
        var out = "\(i.title)  #\(i.id)\n"
        for a in m.attributes where !i[a.name].isNull { out += "  \(a.name): \(i[a.name].text)\n" }
        for l in try cmdb.links(model: i.model, id: i.id) { out += "  \(l.association): \(l.src) -> \(l.dst)\n" }
        terminal.out(out)
        return ExitCode.ok
    }

    static let instEdit = leaf(
        "edit", "Change attributes of an instance.",
        usage: ["platflow cmdb inst edit MODEL REF ATTR=VALUE..."], flags: [actorFlag],
        examples: ["platflow cmdb inst edit switch sw-01 ports=52"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 3, "inst edit MODEL REF ATTR=VALUE...")
        let i = try cmdb.resolveInstance(model: words[0], words[1])
        let changed = try cmdb.updateInstance(id: i.id, try cmdb.parseInstanceInput(model: words[0], try pairs(Array(words.dropFirst(2)), what: "cmdb inst edit \(words[0]) REF")))
        terminal.out("updated \(changed.title)\n")
        return ExitCode.ok
    }

    static let instDelete = leaf(
        "delete", "Delete an instance (its links follow each association's on-delete rule).",
        usage: ["platflow cmdb inst delete MODEL REF"], flags: [actorFlag],
        examples: ["platflow cmdb inst delete switch sw-01"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 2, "inst delete MODEL REF")
        let i = try cmdb.resolveInstance(model: words[0], words[1])
        try cmdb.deleteInstance(id: i.id)
        terminal.out("deleted \(i.title)\n")
        return ExitCode.ok
    }

    // MARK: assoc, link, unlink

    static let assoc = CommandSpec(
        name: "assoc", summary: "Associations between models: add, list, delete, kinds, and a record's links.",
        subcommands: [assocAdd, assocList, assocDelete, assocKind, assocLinks])

    static let assocAdd = leaf(
        "add", "Add an association: which models it links, its kind, how many of each side, what deleting does.",
        usage: ["platflow cmdb assoc add NAME --from MODEL --to MODEL --kind KIND [--mapping 1:1|1:n|n:n] [--on-delete unlink|refuse|cascade]"],
        flags: [
            FlagSpec(name: "from", value: "MODEL", help: "the source model"),
            FlagSpec(name: "to", value: "MODEL", help: "the destination model"),
            FlagSpec(name: "kind", value: "KIND", help: "association kind: belongs groups runs-on connects default, or one added"),
            FlagSpec(name: "mapping", value: "1:1|1:n|n:n", help: "how many of each side an association links", defaultText: "n:n"),
            FlagSpec(name: "on-delete", value: "unlink|refuse|cascade", help: "what deleting a linked record does", defaultText: "unlink"),
            actorFlag,
        ],
        examples: ["platflow cmdb assoc add switch-host --from switch --to host --kind connects --mapping 1:n"]) { args, cmdb, terminal in
        try need(args.positional, 1, "assoc add NAME --from MODEL --to MODEL --kind KIND --mapping 1:n")
        let name = args.positional[0]
        guard let from = args.value("from"), let to = args.value("to"), let kind = args.value("kind") else {
            throw UsageError("assoc add needs --from MODEL, --to MODEL and --kind KIND")
        }
        let mappingText = args.value("mapping") ?? "n:n"
        guard let mapping = Association.Mapping(rawValue: mappingText) else { throw UsageError("--mapping takes 1:1, 1:n or n:n, got '\(mappingText)'") }
        let deleteText = args.value("on-delete") ?? "unlink"
        guard let onDelete = Association.OnDelete(rawValue: deleteText) else {
            throw UsageError("--on-delete takes unlink, refuse or cascade, got '\(deleteText)'")
        }
        try cmdb.addAssociation(name, src: from, dst: to, kind: kind, mapping: mapping, onDelete: onDelete)
        terminal.out("added association \(name): \(from) \(kind) \(to) (\(mapping.rawValue), on delete \(onDelete.rawValue))\n")
        return ExitCode.ok
    }

    static let assocList = leaf(
        "list", "List the associations.",
        usage: ["platflow cmdb assoc list [--json]"], flags: [jsonFlag],
        examples: ["platflow cmdb assoc list"]) { args, cmdb, terminal in
        if args.has("json") {
            terminal.out(jsonText(try cmdb.associations().map {
                ["name": $0.name, "from": $0.src, "kind": $0.kind, "to": $0.dst, "mapping": $0.mapping.rawValue,
                 "on_delete": $0.onDelete.rawValue] as [String: Any]
            }))
            return ExitCode.ok
        }
        var t = Table(header: ["ASSOCIATION", "FROM", "KIND", "TO", "MAPPING", "ON DELETE"])
        for a in try cmdb.associations() { t.rows.append([a.name, a.src, a.kind, a.dst, a.mapping.rawValue, a.onDelete.rawValue]) }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let assocDelete = leaf(
        "delete", "Delete an association and its links.",
        usage: ["platflow cmdb assoc delete NAME"], flags: [actorFlag],
        examples: ["platflow cmdb assoc delete switch-host"]) { args, cmdb, terminal in
        try need(args.positional, 1, "assoc delete NAME")
        try cmdb.deleteAssociation(args.positional[0])
        terminal.out("deleted association \(args.positional[0]) and its links\n")
        return ExitCode.ok
    }

    static let assocKind = CommandSpec(
        name: "kind", summary: "Association kinds besides the built-in ones.",
        subcommands: [
            leaf("add", "Add an association kind.",
                 usage: ["platflow cmdb assoc kind add NAME"],
                 examples: ["platflow cmdb assoc kind add replicates"]) { args, cmdb, terminal in
                try need(args.positional, 1, "assoc kind add NAME")
                try cmdb.addAssociationKind(args.positional[0])
                terminal.out("added association kind \(args.positional[0])\n")
                return ExitCode.ok
            },
        ])

    static let assocLinks = leaf(
        "links", "List the links of one record (a host or an instance).",
        usage: ["platflow cmdb assoc links MODEL REF [--cloud N]"], flags: [cloudFlag],
        examples: ["platflow cmdb assoc links host web-01", "platflow cmdb assoc links switch sw-01"]) { args, cmdb, terminal in
        let words = args.positional
        try need(words, 2, "assoc links MODEL REF")
        let id = try recordID(model: words[0], words[1], cmdb, args)
        var t = Table(header: ["ASSOCIATION", "FROM", "TO"])
        for l in try cmdb.links(model: words[0], id: id) { t.rows.append([l.association, l.src, l.dst]) }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let link = linkCommand(linking: true)
    static let unlink = linkCommand(linking: false)

    /// `cmdb link ASSOC SRC DST` and `cmdb unlink ASSOC SRC DST`.
    static func linkCommand(linking: Bool) -> CommandSpec {
        let verb = linking ? "link" : "unlink"
        return leaf(
            verb, linking ? "Link two records through an association." : "Remove the link between two records.",
            usage: ["platflow cmdb \(verb) ASSOC SRC DST [--cloud N]"], flags: [cloudFlag, actorFlag],
            examples: ["platflow cmdb \(verb) switch-host sw-01 web-01"]) { args, cmdb, terminal in
            let rest = args.positional
            try need(rest, 3, "\(verb) ASSOC SRC DST")
            let a = try cmdb.association(rest[0])
            let src = try recordID(model: a.src, rest[1], cmdb, args)
            let dst = try recordID(model: a.dst, rest[2], cmdb, args)
            if linking { try cmdb.link(a.name, src: src, dst: dst) } else { try cmdb.unlink(a.name, src: src, dst: dst) }
            terminal.out("\(linking ? "linked" : "unlinked") \(rest[1]) \(linking ? "to" : "from") \(rest[2]) (\(a.name))\n")
            return ExitCode.ok
        }
    }

    /// A host (IP, hostname, #ID) or an instance (#ID or its name) by reference.
    static func recordID(model: String, _ ref: String, _ cmdb: CMDB, _ args: ParsedArguments) throws -> Int64 {
        if model == "host" { return try cmdb.resolveHost(ref, cloudArea: try cloud(args)).id }
        return try cmdb.resolveInstance(model: model, ref).id
    }

    static func modelJSON(_ m: ModelInfo) -> [String: Any] {
        ["name": m.name, "classification": m.classification, "builtin": m.builtin,
         "attributes": m.attributes.map { a -> [String: Any] in
             ["name": a.name, "type": a.type.description, "required": a.required, "regex": a.regex ?? NSNull()]
         },
         "unique": m.uniqueRules]
    }
}
