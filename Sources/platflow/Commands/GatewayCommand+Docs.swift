import Foundation
import PlatGateway
import PlatLang

/// `platflow gateway docs` and `gateway sdk`: files rendered from a gateway's definition or one of its versions.
extension GatewayCommand {
    static let versionFlag = FlagSpec(name: "version", value: "VERSION", help: "document this version", defaultText: "the current definition")
    static let outFlag = FlagSpec(name: "out", value: "DIR", help: "the folder to write (required)")

    /// The definition and the version the flags name.
    static func documented(_ args: ParsedArguments, _ store: GatewayStore) throws -> (GatewayDefinition, ResourceVersion?) {
        let d = try store.definition(args.positional[0])
        return (d, try args.value("version").map { try store.version(gateway: d.name, $0) })
    }

    /// Writes every page under `dir` (each file atomically).
    static func write(_ pages: [GatewayDocs.Page], to dir: String) throws {
        for p in pages {
            let path = dir + "/" + p.path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try p.text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    static let docs = leaf(
        "docs", "Write a static documentation site for a gateway: one page per resource and a searchable index.",
        usage: ["platflow gateway docs GATEWAY --out DIR [--version VERSION] [--port N]"],
        flags: [outFlag, versionFlag, FlagSpec(name: "port", value: "N", help: "the port addresses show", defaultText: "18080")],
        examples: ["platflow gateway docs shop --out site && open site/index.html"],
        details: """
            Every resource page has the same parts: basic information (description, tags, update time, whether a key
            is needed), the address per stage with method and URL, common and input parameters, an example call and
            the response example. index.html searches names, paths, descriptions and tags as you type, in the
            browser, with no server.
            """, arguments: 1...1) { args, store, terminal in
        guard let out = args.value("out") else { throw UsageError("docs needs --out DIR") }
        let (d, v) = try documented(args, store)
        var serving: [String: String] = [:]
        for s in d.stages { if let c = try store.current(gateway: d.name, stage: s.name) { serving[s.name] = c.version } }
        let pages = GatewayDocs.render(d, version: v, serving: serving, port: try portValue(args), updatedAt: Date().timeIntervalSince1970)
        try write(pages, to: out)
        terminal.out("wrote \(pages.count) files to \(out) (open \(out)/index.html)\n")
        return ExitCode.ok
    }

    static let sdk = leaf(
        "sdk", "Write a client for a gateway's APIs, one function per resource: a Python package or a .plat module for plans.",
        usage: ["platflow gateway sdk GATEWAY --lang python|plat --out DIR [--version VERSION]"],
        flags: [FlagSpec(name: "lang", value: "python|plat", help: "python: a package (standard library only); plat: a module whose calls run curl through sh()"),
                outFlag, versionFlag],
        examples: ["platflow gateway sdk shop --lang python --out sdk && PYTHONPATH=sdk python3 -c 'import shop_client'",
                   "platflow gateway sdk shop --lang plat --out lib   # import \"./lib/shop_client.plat\" as api"],
        arguments: 1...1) { args, store, terminal in
        guard let out = args.value("out") else { throw UsageError("sdk needs --out DIR") }
        guard let lang = args.value("lang") else { throw UsageError("sdk needs --lang python or --lang plat") }
        guard lang == "python" || lang == "plat" else { throw UsageError("--lang \(lang) is not supported", hint: "--lang python or --lang plat") }
        let (d, v) = try documented(args, store)
        let pages = lang == "python" ? GatewaySDK.python(d, version: v) : GatewaySDK.plat(d, version: v)
        try write(pages, to: out)
        terminal.out("wrote \(pages.map(\.path).joined(separator: ", ")) to \(out)\n")
        return ExitCode.ok
    }
}
