import PlatLang

/// The words after the command's name, split into positional arguments and flags.
struct ParsedArguments {
    var positional: [String] = []
    var flags: [String: [String]] = [:]

    func has(_ name: String) -> Bool { flags[name] != nil }
    func value(_ name: String) -> String? { flags[name]?.last }
    func values(_ name: String) -> [String] { flags[name] ?? [] }

    /// Reads the flag `word` (`--name`, `--name=value`, `-n`) among `accepted`, taking its value from `words`
    /// at `next` when it needs one. `unknown` builds the error for a flag not in `accepted`.
    mutating func readFlag(_ word: String, accepted: [FlagSpec], words: [String], next: inout Int,
                           unknown: (String) -> UsageError) throws {
        var name = word
        var inline: String? = nil
        if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") {
            name = String(word[..<eq])
            inline = String(word[word.index(after: eq)...])
        }
        guard let flag = accepted.first(where: { "--\($0.name)" == name || ($0.short.map { "-\($0)" } == name) }) else {
            throw unknown(name)
        }
        guard let placeholder = flag.value else {
            if inline != nil { throw UsageError("flag --\(flag.name) takes no value") }
            flags[flag.name, default: []].append("")
            return
        }
        if let inline {
            flags[flag.name, default: []].append(inline)
            return
        }
        guard next < words.count else {
            throw UsageError("flag --\(flag.name) needs a value (\(placeholder))", hint: "for example --\(flag.name) \(placeholder)")
        }
        flags[flag.name, default: []].append(words[next])
        next += 1
    }
}
