import Foundation

/// Turns `--param k=v` strings into values of the types a plan declares.
public enum PlanParameters {
    static func convert(_ raw: [String: String], for plan: PlanInfo) throws -> [(name: String, value: Value)] {
        let names = plan.params.map(\.name)
        for k in raw.keys.sorted() where !names.contains(k) {
            let hint = closestName(to: k, in: names).map { "did you mean '\($0)'?" }
                ?? (names.isEmpty ? "plan \(plan.name) takes no parameters" : "its parameters are: \(listing(plan))")
            throw UsageError("plan \(plan.name) has no parameter '\(k)'", hint: hint)
        }
        let missing = plan.params.filter { $0.isRequired && raw[$0.name] == nil }
        if !missing.isEmpty {
            let which = missing.map { "'\($0.name)'" }.joined(separator: ", ")
            throw UsageError("plan \(plan.name) needs parameter\(missing.count > 1 ? "s" : "") \(which); its parameters are:\n\(listing(plan))",
                             hint: "platflow run FILE \(plan.name) " + missing.map { "--param \($0.name)=…" }.joined(separator: " "))
        }
        var out: [(name: String, value: Value)] = []
        for p in plan.params {
            guard let text = raw[p.name] else { continue }
            guard let v = parse(text, as: p.type, name: p.name) else {
                throw UsageError("parameter '\(p.name)' of plan \(plan.name) expects \(p.type.rawValue), got \"\(text)\"",
                                 hint: example(for: p.type))
            }
            out.append((p.name, v))
        }
        return out
    }

    static func listing(_ plan: PlanInfo) -> String {
        plan.params.map { p in
            "  \(p.name): \(p.type.rawValue)" + (p.defaultText.map { " = \($0)" } ?? " (required)")
        }.joined(separator: "\n")
    }

    static func example(for t: TypeName) -> String {
        switch t {
        case .int: return "an int is written like 42 or -7"
        case .float: return "a float is written like 1.5"
        case .bool: return "a bool is true or false"
        case .duration: return "a duration is written like 30s, 5m or 1h30m"
        case .size: return "a size is written like 512B, 20MB or 1GiB"
        case .list, .hosts: return "a list is JSON: '[\"a\", \"b\"]'"
        case .map: return "a map is a JSON object: '{\"k\": 1}'"
        default: return "see `platflow help language`"
        }
    }

    static func parse(_ text: String, as type: TypeName, name: String) -> Value? {
        switch type {
        case .string, .any: return .string(text)
        case .secret: return .secret(SecretValue(name: name, text: text))
        case .int:
            return Int(text.replacingOccurrences(of: "_", with: "")).map { .int($0) }
        case .float:
            return Double(text).map { .float($0) }
        case .bool:
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .duration: return parseDuration(text).map { .duration($0) }
        case .size: return parseSize(text).map { .size($0) }
        case .list, .hosts:
            if let v = try? JSON.decode(text), case .list = v { return v }
            if type == .hosts, !text.contains("[") {
                return .list(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
            }
            return nil
        case .map:
            if let v = try? JSON.decode(text), case .map = v { return v }
            return nil
        }
    }

    /// `1h30m`, `500ms`, `2d`: the duration literal syntax.
    public static func parseDuration(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("ms", 1), ("m", 60_000), ("s", 1_000)]
        var rest = Substring(text)
        var total: Int64 = 0
        // As in the language, each unit at most once and largest first: `1h30m`, never `30m1h` or `1h1h`.
        var smallest = Int64.max
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (u, scale) = units.first(where: { rest.hasPrefix($0.0) }), scale < smallest else { return nil }
            smallest = scale
            rest = rest.dropFirst(u.count)
            let (p, o1) = n.multipliedReportingOverflow(by: scale)
            let (t, o2) = total.addingReportingOverflow(p)
            if o1 || o2 { return nil }
            total = t
        }
        return total
    }

    /// `20MB`, `1GiB`, `512B`: the size literal syntax.
    public static func parseSize(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
                                        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
                                        ("TB", 1_000_000_000_000), ("B", 1)]
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, let n = Int64(digits) else { return nil }
        let unit = text.dropFirst(digits.count)
        guard let (_, scale) = units.first(where: { $0.0 == unit }) else { return nil }
        let (p, o) = n.multipliedReportingOverflow(by: scale)
        return o ? nil : p
    }
}
