import PlatLang

/// A constant .plat value written as a user would type it after `--param`: strings raw, durations and sizes
/// as literals, everything else as JSON. Schedules and schemes store their arguments this way, so they go
/// through the same conversion and checks as the command line.
public enum ParamText {
    public static func from(_ v: Value) -> String {
        switch v {
        case .string(let s): return s
        case .duration, .size: return v.printed
        default: return (try? JSON.encode(v)) ?? v.printed
        }
    }

    /// The entries of a declaration (a scheme) as parameter strings.
    public static func from(_ d: Declaration) -> [String: String] {
        var out: [String: String] = [:]
        for e in d.entries { out[e.key] = from(e.value) }
        return out
    }
}
