/// The `yaml` module: `yaml.encode(value, indent: 2)` and `yaml.decode(text)`, beside `json`.
enum YAMLModule {
    static func make() -> ModuleObject {
        Builtins.module("yaml", [
            ("encode", { args, _ in
                let b = try args.bind("yaml.encode", ["value", "indent"], required: 1)
                var indent = 2
                if let i = b[1], !i.isNil { indent = try i.expectInt("yaml.encode", "indent") }
                return .string(try YAML.encode(b[0] ?? .null, indent: indent))
            }),
            ("decode", { args, _ in
                let text = try args.one("yaml.decode", "text").expectString("yaml.decode", "text")
                do {
                    return try YAML.decode(text)
                } catch let e as YAMLError {
                    throw RuntimeError(e.description)
                }
            }),
        ])
    }
}
