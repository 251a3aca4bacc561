import Foundation

/// The `re` module: `re.match`, `re.find_all`, `re.replace` on ICU regular expressions (NSRegularExpression).
/// Offsets handed to scripts count characters, like string indexing, never UTF-16 units.
enum RegexModule {
    static func make() -> ModuleObject {
        Builtins.module("re", [
            ("match", { args, ctx in
                let (pattern, s) = try patternAndText("re.match", args)
                let regex = try cache.regex(pattern, "re.match")
                guard let m = try boundedMatches(regex, in: s, "re.match", ctx, firstOnly: true).first else { return .null }
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
            ("find_all", { args, ctx in
                let (pattern, s) = try patternAndText("re.find_all", args)
                let regex = try cache.regex(pattern, "re.find_all")
                let matches = try boundedMatches(regex, in: s, "re.find_all", ctx, firstOnly: false)
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
            ("replace", { args, ctx in
                let b = try args.bind("re.replace", ["pattern", "s", "replacement"], required: 3)
                let pattern = try (b[0] ?? .null).expectString("re.replace", "pattern")
                let s = try (b[1] ?? .null).expectString("re.replace", "s")
                let replacement = try (b[2] ?? .null).expectString("re.replace", "replacement")
                let regex = try cache.regex(pattern, "re.replace")
                let ns = s as NSString
                var out = "", last = 0
                for m in try boundedMatches(regex, in: s, "re.replace", ctx, firstOnly: false) {
                    out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
                    out += regex.replacementString(for: m, in: s, offset: 0, template: replacement)
                    last = m.range.location + m.range.length
                }
                out += ns.substring(from: last)
                return .string(out)
            }),
        ])
    }

    /// Seconds one regular-expression call may take. Some patterns backtrack exponentially (`(a+)+$` on 30
    /// characters takes seconds, on 40 hours); past this the call fails with a clear error instead.
    static let timeLimit = 2.0

    /// The matches of `regex` in `s` (the first only, or all), giving up with an error past `timeLimit` or when
    /// the program is told to stop. ICU reports progress during a long search, which is where both are checked.
    static func boundedMatches(_ regex: NSRegularExpression, in s: String, _ fname: String, _ ctx: CallContext,
                               firstOnly: Bool) throws -> [NSTextCheckingResult] {
        let stop = (ctx as? VM)?.stop
        let deadline = Date().addingTimeInterval(timeLimit)
        var found: [NSTextCheckingResult] = []
        var outcome: Error? = nil
        regex.enumerateMatches(in: s, options: [.reportProgress], range: NSRange(s.startIndex..., in: s)) { m, _, halt in
            if let m {
                found.append(m)
                if firstOnly { halt.pointee = true }
                return
            }
            if stop?.isRaised == true {
                outcome = ProgramStopped()
                halt.pointee = true
            } else if Date() > deadline {
                outcome = RuntimeError("\(fname)() gave up after \(Int(timeLimit)) s: the pattern \(Value.string(regex.pattern).repr) backtracks too much on this text",
                                       hint: "avoid nested repetition such as (a+)+ or (a|aa)+; anchor the pattern or match a simpler one")
                halt.pointee = true
            }
        }
        if let outcome { throw outcome }
        return found
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
            // ICU refuses the empty pattern, which is a valid one that matches the empty text everywhere.
            regex = try NSRegularExpression(pattern: pattern.isEmpty ? "(?:)" : pattern)
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
