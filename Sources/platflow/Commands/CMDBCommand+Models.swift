import Foundation
import PlatCMDB
import PlatLang

/// `cmdb model|inst|assoc|link|unlink`.
extension CMDBCommand {
    static func modelCommand(_ sub: String, _ rest: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        let verb = rest.first ?? ""
        let words = Array(rest.dropFirst())
        switch sub {
        case "model":
            switch verb {
            case "add":
                try need(words, 1, "model add NAME --attr 'name:string!'")
                let attrs = try args.values("attr").map(CMDB.parseAttribute)
                let unique = args.values("unique").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                try cmdb.addModel(words[0], classification: args.value("class") ?? "custom", attributes: attrs, unique: unique)
                terminal.out("added model \(words[0]) with \(attrs.count) attribute\(attrs.count == 1 ? "" : "s")\n")
            case "list":
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
            case "show":
                try need(words, 1, "model show NAME")
                let m = try cmdb.model(words[0])
                if args.has("json") { terminal.out(jsonText(modelJSON(m))); break }
                var out = "model \(m.name)  (classification \(m.classification))\n"
                for a in m.attributes {
                    out += "  \(a.name): \(a.type)\(a.required ? "!" : "")\(a.regex.map { "  ~\($0)" } ?? "")\n"
                }
                for r in m.uniqueRules { out += "  unique (\(r.joined(separator: ", ")))\n" }
                terminal.out(out)
            case "delete":
                try need(words, 1, "model delete NAME")
                try cmdb.deleteModel(words[0])
                terminal.out("deleted model \(words[0])\n")
            case "attr":
                guard let action = words.first, ["add", "remove"].contains(action) else {
                    throw UsageError("cmdb model attr needs add or remove", hint: "platflow cmdb model attr add host env:enum(prod,test)")
                }
                try need(words, 3, "model attr \(action) MODEL \(action == "add" ? "NAME:TYPE" : "NAME")")
                if action == "add" {
                    try cmdb.addAttribute(model: words[1], try CMDB.parseAttribute(words[2]))
                    terminal.out("added attribute \(words[2]) to \(words[1])\n")
                } else {
                    try cmdb.removeAttribute(model: words[1], words[2])
                    terminal.out("removed attribute \(words[2]) from \(words[1]) (and its values)\n")
                }
            case "unique":
                guard words.first == "add" else { throw UsageError("cmdb model unique add MODEL a,b") }
                try need(words, 3, "model unique add MODEL a,b")
                try cmdb.addUniqueRule(model: words[1], fields: words[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                terminal.out("added unique rule (\(words[2])) to \(words[1])\n")
            default:
                throw UsageError("cmdb model needs one of: add, list, show, delete, attr, unique")
            }
        case "inst":
            return try instance(verb, words, args, cmdb, terminal)
        case "assoc":
            switch verb {
            case "add":
                try need(words, 1, "assoc add NAME --from MODEL --to MODEL --kind KIND --mapping 1:n")
                guard let from = args.value("from"), let to = args.values("to").last, let kind = args.value("kind") else {
                    throw UsageError("assoc add needs --from MODEL, --to MODEL and --kind KIND")
                }
                let mappingText = args.value("mapping") ?? "n:n"
                guard let mapping = Association.Mapping(rawValue: mappingText) else { throw UsageError("--mapping takes 1:1, 1:n or n:n, got '\(mappingText)'") }
                let deleteText = args.value("on-delete") ?? "unlink"
                guard let onDelete = Association.OnDelete(rawValue: deleteText) else {
                    throw UsageError("--on-delete takes unlink, refuse or cascade, got '\(deleteText)'")
                }
                try cmdb.addAssociation(words[0], src: from, dst: to, kind: kind, mapping: mapping, onDelete: onDelete)
                terminal.out("added association \(words[0]): \(from) \(kind) \(to) (\(mapping.rawValue), on delete \(onDelete.rawValue))\n")
            case "list":
                var t = Table(header: ["ASSOCIATION", "FROM", "KIND", "TO", "MAPPING", "ON DELETE"])
                for a in try cmdb.associations() { t.rows.append([a.name, a.src, a.kind, a.dst, a.mapping.rawValue, a.onDelete.rawValue]) }
                terminal.out(t.render())
            case "delete":
                try need(words, 1, "assoc delete NAME")
                try cmdb.deleteAssociation(words[0])
                terminal.out("deleted association \(words[0]) and its links\n")
            case "kind":
                guard words.first == "add", words.count >= 2 else { throw UsageError("cmdb assoc kind add NAME") }
                try cmdb.addAssociationKind(words[1])
                terminal.out("added association kind \(words[1])\n")
            case "links":
                try need(words, 2, "assoc links MODEL REF")
                let id = try recordID(model: words[0], words[1], cmdb, args)
                var t = Table(header: ["ASSOCIATION", "FROM", "TO"])
                for l in try cmdb.links(model: words[0], id: id) { t.rows.append([l.association, l.src, l.dst]) }
                terminal.out(t.render())
            default:
                throw UsageError("cmdb assoc needs one of: add, list, delete, kind, links")
            }
        case "link", "unlink":
            try need(rest, 3, "\(sub) ASSOC SRC DST")
            let a = try cmdb.association(rest[0])
            let src = try recordID(model: a.src, rest[1], cmdb, args)
            let dst = try recordID(model: a.dst, rest[2], cmdb, args)
            if sub == "link" { try cmdb.link(a.name, src: src, dst: dst) } else { try cmdb.unlink(a.name, src: src, dst: dst) }
            terminal.out("\(sub == "link" ? "linked" : "unlinked") \(rest[1]) \(sub == "link" ? "to" : "from") \(rest[2]) (\(a.name))\n")
        default:
            break
        }
        return ExitCode.ok
    }

    /// A host (IP, hostname, #ID) or an instance (#ID or its name) by reference.
    static func recordID(model: String, _ ref: String, _ cmdb: CMDB, _ args: ParsedArguments) throws -> Int64 {
        if model == "host" { return try cmdb.resolveHost(ref, cloudArea: try cloud(args)).id }
        return try cmdb.resolveInstance(model: model, ref).id
    }

    static func instance(_ verb: String, _ words: [String], _ args: ParsedArguments, _ cmdb: CMDB, _ terminal: Terminal) throws -> Int32 {
        switch verb {
        case "add":
            try need(words, 2, "inst add MODEL ATTR=VALUE...")
            let i = try cmdb.addInstance(model: words[0], try cmdb.parseInstanceInput(model: words[0], try pairs(Array(words.dropFirst()), what: "cmdb inst add \(words[0])")))
            terminal.out("added \(i.title) (#\(i.id))\n")
        case "list":
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
        case "show":
            try need(words, 2, "inst show MODEL REF")
            let i = try cmdb.resolveInstance(model: words[0], words[1])
            let m = try cmdb.model(words[0])
            if args.has("json") { terminal.out(jsonText(i.jsonObject(attributes: m.attributes))); break }
            var out = "\(i.title)  #\(i.id)\n"
            for a in m.attributes where !i[a.name].isNull { out += "  \(a.name): \(i[a.name].text)\n" }
            for l in try cmdb.links(model: i.model, id: i.id) { out += "  \(l.association): \(l.src) -> \(l.dst)\n" }
            terminal.out(out)
        case "edit":
            try need(words, 3, "inst edit MODEL REF ATTR=VALUE...")
            let i = try cmdb.resolveInstance(model: words[0], words[1])
            let changed = try cmdb.updateInstance(id: i.id, try cmdb.parseInstanceInput(model: words[0], try pairs(Array(words.dropFirst(2)), what: "cmdb inst edit \(words[0]) REF")))
            terminal.out("updated \(changed.title)\n")
        case "delete":
            try need(words, 2, "inst delete MODEL REF")
            let i = try cmdb.resolveInstance(model: words[0], words[1])
            try cmdb.deleteInstance(id: i.id)
            terminal.out("deleted \(i.title)\n")
        default:
            throw UsageError("cmdb inst needs one of: add, list, show, edit, delete")
        }
        return ExitCode.ok
    }

    static func modelJSON(_ m: ModelInfo) -> [String: Any] {
        ["name": m.name, "classification": m.classification, "builtin": m.builtin,
         "attributes": m.attributes.map { a -> [String: Any] in
             ["name": a.name, "type": a.type.description, "required": a.required, "regex": a.regex ?? NSNull()]
         },
         "unique": m.uniqueRules]
    }
}
