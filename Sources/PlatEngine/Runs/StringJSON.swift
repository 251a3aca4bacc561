import PlatLang

/// The runs table's JSON columns of plain strings (`params`, name to text; `secret_params` and `target_limit`,
/// lists of names), written and read with the language's JSON writer and reader. Codable's JSONEncoder and
/// JSONDecoder set up their generic machinery at run time on first use, which cost a one-line `platflow run`
/// about 0.7 M instructions for these three small columns. The text is plain JSON either way, so columns
/// written by earlier builds read back unchanged.
enum StringJSON {
    /// `{"env":"prod","batch":"10"}`, keys sorted so the same parameters give the same text.
    static func encode(_ map: [String: String]) -> String {
        let pairs = map.sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) }
        return (try? JSON.encode(Value.makeMap(pairs))) ?? "{}"
    }

    /// `["a","b"]`.
    static func encode(_ list: [String]) -> String {
        (try? JSON.encode(.list(list.map { .string($0) }))) ?? "[]"
    }

    /// The object of strings `text` holds; nil when it holds anything else.
    static func map(_ text: String) -> [String: String]? {
        guard case .map(let m)? = try? JSON.decode(text) else { return nil }
        var out: [String: String] = [:]
        for (k, v) in m.pairs {
            guard case .string(let key) = k, case .string(let value) = v else { return nil }
            out[key] = value
        }
        return out
    }

    /// The array of strings `text` holds; nil when it holds anything else.
    static func list(_ text: String) -> [String]? {
        guard case .list(let items)? = try? JSON.decode(text) else { return nil }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { return nil }
            out.append(s)
        }
        return out
    }
}
