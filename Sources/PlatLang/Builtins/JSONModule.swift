/// The `json` module: `json.encode(value, indent: n)` and `json.decode(text)`.
enum JSONModule {
    static func make() -> ModuleObject {
        Builtins.module("json", [
            ("encode", { args, _ in
                let b = try args.bind("json.encode", ["value", "indent"], required: 1)
                var indent: Int? = nil
                if let i = b[1], !i.isNil { indent = try i.expectInt("json.encode", "indent") }
                return .string(try JSON.encode(b[0] ?? .null, indent: indent))
            }),
            ("decode", { args, _ in
                let text = try args.one("json.decode", "text").expectString("json.decode", "text")
                return try JSON.decode(text)
            }),
        ])
    }
}
