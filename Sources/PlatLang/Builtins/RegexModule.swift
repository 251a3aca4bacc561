import Foundation

/// The `re` module: `re.match`, `re.find_all`, `re.replace` on ICU regular expressions (NSRegularExpression).
/// Offsets handed to scripts count characters, like string indexing, never UTF-16 units.
enum RegexModule {
    static func make() -> ModuleObject {
        Builtins.module("re", [
            ("match", { args, _ in
                let (pattern, s) = try patternAndText("re.match", args)
                let regex = try cache.regex(pattern, "re.match")
                guard let m = regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { return .null }
                var groups: [Value] = []
                for g in 1..<max(1, m.numberOfRanges) { groups.append(text(of: m.range(at: g), in: s)) }
                let whole = Range(m.range, in: s) ?? s.startIndex..<s.startIndex
                return Value.makeMap([
                    ("text", .string(String(s[whole]))),
                    ("groups", .list(groups)),
                    ("start", .int(s.distance(from: s.startIndex, to: whole.lowerBound))),
                    ("end", .int(s.distance(from: s.startIndex, to: whole.upperBound))),
                ])
            }),
            ("find_all", { args, _ in
                let (pattern, s) = try patternAndText("re.find_all", args)
                let regex = try cache.regex(pattern, "re.find_all")
                let matches = regex.matches(in: s, range: NSRange(s.startIndex..., in: s))
                var out: [Value] = []
                out.reserveCapacity(matches.count)
                for m in matches {
                    if regex.numberOfCaptureGroups == 0 {
                        out.append(text(of: m.range, in: s))
                    } else {
                        var groups: [Value] = []
                        for g in 1..<m.numberOfRanges { groups.append(text(of: m.range(at: g), in: s)) }
                        out.append(.list(groups))
                    }
                }
                return .list(out)
            }),
            ("replace", { args, _ in
                let b = try args.bind("re.replace", ["pattern", "s", "replacement"], required: 3)
                let pattern = try (b[0] ?? .null).expectString("re.replace", "pattern")
                let s = try (b[1] ?? .null).expectString("re.replace", "s")
                let replacement = try (b[2] ?? .null).expectString("re.replace", "replacement")
                let regex = try cache.regex(pattern, "re.replace")
                return .string(regex.stringByReplacingMatches(
                    in: s, range: NSRange(s.startIndex..., in: s), withTemplate: replacement))
            }),
        ])
    }

    private static func patternAndText(_ fname: String, _ args: Arguments) throws -> (String, String) {
        let (p, s) = try args.two(fname, "pattern", "s")
        return (try p.expectString(fname, "pattern"), try s.expectString(fname, "s"))
    }

    /// The text of a match range, or nil for a group that did not take part in the match.
    private static func text(of range: NSRange, in s: String) -> Value {
        guard range.location != NSNotFound, let r = Range(range, in: s) else { return .null }
        return .string(String(s[r]))
    }

    static let cache = RegexCache()
}

/// Compiled patterns by source text: scripts call `re.*` in loops with the same few patterns.
final class RegexCache: @unchecked Sendable {
    private let lock = NSLock()
    private var compiled: [String: NSRegularExpression] = [:]
    private let limit = 128

    func regex(_ pattern: String, _ fname: String) throws -> NSRegularExpression {
        lock.lock()
        let hit = compiled[pattern]
        lock.unlock()
        if let hit { return hit }
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw RuntimeError("\(fname)() got an invalid regular expression \(Value.string(pattern).repr)",
                               hint: "patterns use ICU syntax; raw strings save escaping, e.g. r\"(\\w+)@(\\w+)\"")
        }
        lock.lock()
        if compiled.count >= limit { compiled.removeAll() }
        compiled[pattern] = regex
        lock.unlock()
        return regex
    }
}
