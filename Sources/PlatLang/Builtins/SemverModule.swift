/// The `semver` module: Semantic Versioning 2.0.0 and npm ranges for .plat, on the same Swift implementation
/// (Sources/PlatLang/Semver) the `platflow semver` command uses, so a plan and the CLI never disagree.
/// Versions go in and out as strings; `semver.parse` is the way to their parts.
public enum SemverModule {
    static func make() -> ModuleObject {
        Builtins.module("semver", [
            ("parse", { args, _ in
                let text = try args.one("semver.parse", "v").expectString("semver.parse", "v")
                return parts(try version(text, "semver.parse"))
            }),
            ("valid", { args, _ in
                let text = try args.one("semver.valid", "v").expectString("semver.valid", "v")
                return .bool(SemanticVersion.valid(text) != nil)
            }),
            ("compare", { args, _ in
                let (a, b) = try args.two("semver.compare", "a", "b")
                let x = try version(try a.expectString("semver.compare", "a"), "semver.compare")
                let y = try version(try b.expectString("semver.compare", "b"), "semver.compare")
                return .int(SemanticVersion.compare(x, y))
            }),
            ("sort", { args, _ in
                let b = try args.bind("semver.sort", ["versions", "reverse"], required: 1)
                let texts = try (b[0] ?? .null).expectList("semver.sort", "versions")
                var reverse = false
                if let r = b[1], !r.isNil { reverse = try r.expectBool("semver.sort", "reverse") }
                let versions = try versionList(texts, "semver.sort")
                return .list(SemanticVersion.precedenceOrder(versions, descending: reverse).map { texts[$0] })
            }),
            ("bump", { args, _ in
                let b = try args.bind("semver.bump", ["v", "part", "pre"], required: 2)
                let v = try version(try (b[0] ?? .null).expectString("semver.bump", "v"), "semver.bump")
                let partName = try (b[1] ?? .null).expectString("semver.bump", "part")
                guard let part = VersionBump(rawValue: partName) else {
                    let near = closestName(to: partName, in: VersionBump.allCases.map(\.rawValue))
                    throw RuntimeError("semver.bump() got an unknown part '\(partName)'" + (near.map { "; did you mean '\($0)'?" } ?? ""),
                                       hint: "one of: \(VersionBump.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                var pre: String? = nil
                if let p = b[2], !p.isNil { pre = try p.expectString("semver.bump", "pre") }
                do {
                    return .string(try v.bumped(part, prereleaseIdentifier: pre).description)
                } catch let e as SemverError {
                    // A bump that cannot be made is about the request, not a text to point into.
                    if e.kind == "bump" { throw RuntimeError("semver.bump(): \(e.reason)", hint: e.hint) }
                    throw failure("semver.bump", e)
                }
            }),
            ("satisfies", { args, _ in
                let (v, r) = try args.two("semver.satisfies", "v", "range")
                let x = try version(try v.expectString("semver.satisfies", "v"), "semver.satisfies")
                let range = try versionRange(try r.expectString("semver.satisfies", "range"), "semver.satisfies")
                return .bool(range.isSatisfied(by: x))
            }),
            ("max_satisfying", { args, _ in
                let (xs, r) = try args.two("semver.max_satisfying", "versions", "range")
                let texts = try xs.expectList("semver.max_satisfying", "versions")
                let range = try versionRange(try r.expectString("semver.max_satisfying", "range"), "semver.max_satisfying")
                let versions = try versionList(texts, "semver.max_satisfying")
                var best: Int? = nil
                for (i, v) in versions.enumerated() where range.isSatisfied(by: v) {
                    if best == nil || SemanticVersion.compare(v, versions[best!]) > 0 { best = i }
                }
                return best.map { texts[$0] } ?? .null
            }),
        ])
    }

    /// The parts as a map; numbers beyond 64 bits stay digit strings, so every valid version parses.
    public static func parts(_ v: SemanticVersion) -> Value {
        func number(_ n: VersionNumber) -> Value { n.intValue.map(Value.int) ?? .string(n.digits) }
        let prerelease: [Value] = v.prerelease.map { id in
            switch id {
            case .numeric(let n): return number(n)
            case .alphanumeric(let s): return .string(s)
            }
        }
        return Value.makeMap([
            ("major", number(v.major)), ("minor", number(v.minor)), ("patch", number(v.patch)),
            ("prerelease", .list(prerelease)), ("build", .list(v.build.map(Value.string))),
            ("version", .string(v.description)),
        ])
    }

    private static func version(_ text: String, _ fname: String) throws -> SemanticVersion {
        do { return try SemanticVersion(parsing: text) } catch let e as SemverError { throw failure(fname, e) }
    }

    private static func versionRange(_ text: String, _ fname: String) throws -> VersionRange {
        do { return try VersionRange(parsing: text) } catch let e as SemverError { throw failure(fname, e) }
    }

    private static func versionList(_ items: [Value], _ fname: String) throws -> [SemanticVersion] {
        var out: [SemanticVersion] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .string(let text) = item else {
                let article = "aeiou".contains(item.typeName.first ?? "x") ? "an" : "a"
                throw RuntimeError("\(fname)() expects a list of version strings; item \(i) is \(article) \(item.typeName)")
            }
            do { out.append(try SemanticVersion(parsing: text)) } catch let e as SemverError {
                throw RuntimeError("\(fname)(): item \(i): \(e.description)", hint: e.hint)
            }
        }
        return out
    }

    private static func failure(_ fname: String, _ e: SemverError) -> RuntimeError {
        RuntimeError("\(fname)(): \(e.description)", hint: e.hint)
    }
}
