import Foundation

/// One error the user must see: `PATH:LINE:COL: error: MESSAGE`, the source line with a caret, an optional
/// hint, and for runtime errors a traceback. Parse, resolve and runtime errors all end up as this type.
public struct Diagnostic: Error, CustomStringConvertible, Sendable {
    public enum Phase: String, Sendable { case parse, resolve, runtime, usage }

    public var message: String
    public var location: SourceLoc?
    public var hint: String?
    public var phase: Phase
    /// Frames of a runtime error, innermost last (the order Python prints, "most recent call last").
    public var traceback: [TraceFrame]

    public struct TraceFrame: Sendable {
        public var location: SourceLoc
        public var function: String
        public init(location: SourceLoc, function: String) {
            self.location = location
            self.function = function
        }
    }

    public init(message: String, location: SourceLoc?, hint: String? = nil, phase: Phase = .parse,
                traceback: [TraceFrame] = []) {
        self.message = message
        self.location = location
        self.hint = hint
        self.phase = phase
        self.traceback = traceback
    }

    public var description: String { rendered() }

    /// The full text shown to the user, ending with a newline.
    public func rendered() -> String {
        var out = ""
        if let loc = location, let file = loc.file {
            out += "\(file.path):\(loc.line):\(loc.col): error: \(message)\n"
            if let text = file.line(Int(loc.line)) {
                // A very long line (minified or generated input) shows a window around the column.
                let chars = Array(text.replacingOccurrences(of: "\t", with: " ").unicodeScalars)
                let col = max(0, Int(loc.col) - 1)
                let start = chars.count > 160 ? max(0, min(col - 60, chars.count - 160)) : 0
                let end = min(chars.count, start + 160)
                var shown = String(String.UnicodeScalarView(chars[start..<end]))
                var caret = col - start
                if start > 0 { shown = "..." + shown; caret += 3 }
                if end < chars.count { shown += "..." }
                out += "    \(shown)\n"
                out += "    \(String(repeating: " ", count: max(0, caret)))^\n"
            }
        } else {
            out += "error: \(message)\n"
        }
        if let hint { out += "hint: \(hint)\n" }
        if !traceback.isEmpty {
            out += "Traceback (most recent call last):\n"
            // Deep recursion repeats one line thousands of times, mutual recursion (a calls b calls a) a block
            // of a few lines: show the line or block three times, then count the rest.
            func same(_ x: Int, _ y: Int) -> Bool {
                traceback[x].location == traceback[y].location && traceback[x].function == traceback[y].function
            }
            var i = 0
            while i < traceback.count {
                // The period (1 to 8 lines) whose repetitions from i cover the most frames.
                var best = (period: 1, times: 1)
                for period in 1...8 where i + 2 * period <= traceback.count {
                    var times = 1
                    while i + (times + 1) * period <= traceback.count
                        && (0..<period).allSatisfy({ same(i + $0, i + times * period + $0) }) { times += 1 }
                    if times * period > best.times * best.period && times > 3 { best = (period, times) }
                }
                let block = (i..<i + best.period).map { "  \(traceback[$0].location): in \(traceback[$0].function)\n" }.joined()
                out += String(repeating: block, count: min(best.times, 3))
                if best.times > 3 {
                    let what = best.period == 1 ? "previous line" : "previous \(best.period) lines"
                    out += "  [\(what) repeated \(best.times - 3) more times]\n"
                }
                i += best.period * best.times
            }
        }
        return out
    }

    /// A JSON object for editors (`platflow check --json`).
    public func jsonObject() -> [String: Any] {
        var o: [String: Any] = ["message": message, "severity": "error", "phase": phase.rawValue]
        if let loc = location {
            o["file"] = loc.file?.path ?? ""
            o["line"] = Int(loc.line)
            o["column"] = Int(loc.col)
        }
        if let hint { o["hint"] = hint }
        return o
    }
}

/// All diagnostics of one phase; thrown when a phase found problems so that later phases do not run.
public struct DiagnosticList: Error, CustomStringConvertible, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ d: [Diagnostic]) { diagnostics = d }
    public var description: String { diagnostics.map { $0.rendered() }.joined() }
}

/// "did you mean" support: the closest candidate by edit distance, if it is close enough to be a likely typo.
public func closestName(to name: String, in candidates: [String]) -> String? {
    var best: (String, Int)? = nil
    let limit = max(1, name.count / 3 + 1)
    for c in candidates where c != name {
        let d = editDistance(name, c)
        if d <= limit && (best == nil || d < best!.1) { best = (c, d) }
    }
    return best?.0
}

public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}
