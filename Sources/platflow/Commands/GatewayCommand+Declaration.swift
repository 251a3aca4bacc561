import Foundation
import PlatEngine
import PlatGateway
import PlatLang

/// `platflow gateway apply FILE`: stores the `gateway "NAME" { ... }` declarations of a .plat file, as `import`
/// does for YAML (the same checks; a file with any problem changes nothing).
extension GatewayCommand {
    static let apply = leaf(
        "apply", "Store the gateways declared in a .plat file (gateway \"NAME\" { ... }); with --version, snapshot them.",
        usage: ["platflow gateway apply FILE [--gateway NAME] [--version VERSION [--comment TEXT]] [--as NAME]"],
        flags: [FlagSpec(name: "gateway", value: "NAME", help: "only this gateway of the file"),
                FlagSpec(name: "version", value: "VERSION", help: "also create this version of each applied gateway"),
                FlagSpec(name: "comment", value: "TEXT", help: "the version's comment"), actorFlag],
        examples: ["platflow gateway apply shop.plat", "platflow gateway apply shop.plat --version 1.2.0"],
        details: """
            The declaration has the YAML definition's shape: gateway "shop" { description: "...", default_auth:
            "app_key", stages: {test: {env: "test", class: "test", backend: "http://127.0.0.1:8081"}}, resources:
            {list_orders: {method: "GET", path: "/orders", backend_path: "/api/orders"}} }. `platflow check`
            reports its problems with file:line:col; a plan applies it with gateway.apply("shop").
            """, arguments: 1...1) { args, store, terminal in
        let file = args.positional[0]
        let registry = EngineSession.modules.effects
        let module = try Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations).load(path: file)
        let read = GatewayDeclaration.read(module.declarations, file: file)
        if !read.problems.isEmpty { throw DiagnosticList(read.problems) }
        var gateways = read.gateways
        if let only = args.value("gateway") {
            gateways = gateways.filter { $0.name == only }
            if gateways.isEmpty {
                throw UsageError("\(file) declares no gateway \"\(only)\"",
                                 hint: read.gateways.isEmpty ? "it declares none" : "it declares: " + read.gateways.map(\.name).joined(separator: ", "))
            }
        }
        if gateways.isEmpty { throw UsageError("\(file) declares no gateway", hint: "gateway \"shop\" { stages: {...}, resources: {...} }") }
        let lines = try store.db.transaction {
            try gateways.map { d in
                let existed = try store.put(d)
                var line = "\(existed ? "updated" : "created") gateway \(d.name): \(d.stages.count) stage(s), \(d.resources.count) resource(s)"
                if let v = args.value("version") {
                    _ = try store.createVersion(gateway: d.name, version: v, comment: args.value("comment") ?? "")
                    line += ", version \(v)"
                }
                return line + "\n"
            }
        }
        terminal.out(lines.joined())
        return ExitCode.ok
    }
}
