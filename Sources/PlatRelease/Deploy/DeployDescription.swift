import Foundation
import PlatLang

/// A CD description (`platflow deploy --config release.yaml|release.json`): what a pipeline step deploys.
///
/// ```yaml
/// app: shop-web
/// version: 1.4.0-beta.1        # or  stage: beta  (the app's newest artifact of that stage)
/// env: stage-sh
/// file: deploy.plat            # optional: the file that declares the app
/// params: {region: eu}         # the deploy plan's other parameters
/// secrets:                     # references, never values: the plan declares these parameters `secret`
///   token: env:DEPLOY_TOKEN
///   ssh_key: file:/run/secrets/deploy_key
/// force: "hotfix INC-42"       # optional, recorded
/// ```
/// A secret is read when the deploy starts and handed to the run as a secret parameter, which the engine
/// never stores; the description itself holds only where to find it.
public struct DeployDescription: Sendable {
    public var app: String
    public var version: String?
    public var stage: Stage?
    public var environment: String
    public var file: String?
    public var params: [String: String]
    /// parameter → its value, read from the references.
    public var secrets: [String: String]
    public var force: String?

    static let fields = ["app", "version", "stage", "env", "file", "params", "secrets", "force"]

    /// Reads `path` (`.yaml`/`.yml` as YAML, else JSON) and resolves its secret references with `environment`
    /// and the file system. Every problem is a `DeployDescriptionError` naming the file, the line and the field.
    public static func read(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DeployDescription {
        let value: Value
        do {
            value = try DataFile.read(path)
        } catch let e as DataFileError {
            throw DeployDescriptionError(path: path, line: e.line, field: nil, reason: e.reason, hint: nil)
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        func fail(_ field: String?, _ reason: String, hint: String? = nil) -> DeployDescriptionError {
            DeployDescriptionError(path: path, line: field.map { FieldLocator.line(of: $0, in: text) } ?? 1, field: field, reason: reason, hint: hint)
        }
        guard case .map(let m) = value else {
            throw fail(nil, "a deploy description is a map (app, version or stage, env, ...), got \(value.typeName)")
        }
        for (k, _) in m.pairs {
            guard case .string(let key) = k, fields.contains(key) else {
                let name = k.printed
                throw fail(name, "unknown field", hint: closestName(to: name, in: fields).map { "did you mean '\($0)'?" } ?? "fields: \(fields.joined(separator: ", "))")
            }
        }
        func string(_ field: String, required: Bool) throws -> String? {
            guard let v = m.get(.string(field)), !v.isNil else {
                if required { throw fail(nil, "missing field '\(field)'", hint: "\(field): ...") }
                return nil
            }
            switch v {
            case .string(let s) where !s.isEmpty: return s
            case .int, .float: return v.printed
            default: throw fail(field, "must be a non-empty string, got \(v.typeName)")
            }
        }
        func textMap(_ field: String) throws -> [(String, Value)] {
            guard let v = m.get(.string(field)), !v.isNil else { return [] }
            guard case .map(let mm) = v else { throw fail(field, "must be a map of names to values, got \(v.typeName)") }
            return mm.pairs.map { ($0.0.printed, $0.1) }
        }
        var d = DeployDescription(app: try string("app", required: true)!, version: try string("version", required: false), stage: nil,
                                  environment: try string("env", required: true)!, file: try string("file", required: false),
                                  params: [:], secrets: [:], force: try string("force", required: false))
        if let s = try string("stage", required: false) {
            guard let st = Stage(name: s) else {
                throw fail("stage", "unknown stage '\(s)'", hint: closestName(to: s, in: Stage.allCases.map(\.name)).map { "did you mean '\($0)'?" } ?? "alpha, beta, rc or release")
            }
            d.stage = st
        }
        if d.version == nil && d.stage == nil { throw fail(nil, "missing field 'version' (or 'stage')", hint: "version: 1.4.0-beta.1") }
        if d.version != nil && d.stage != nil { throw fail("stage", "give version or stage, not both") }
        if let v = d.version, SemanticVersion.valid(v) == nil {
            var why = "not a SemVer 2.0 version"
            do { _ = try SemanticVersion(parsing: v) } catch let e as SemverError { why = e.reason } catch {}
            throw fail("version", "'\(v)' is not a valid version: \(why)")
        }
        for (k, v) in try textMap("params") {
            switch v {
            case .string(let s): d.params[k] = s
            default: d.params[k] = (try? JSON.encode(v)) ?? v.printed
            }
        }
        for (k, v) in try textMap("secrets") {
            guard case .string(let ref) = v else { throw fail(k, "secrets.\(k) must be a reference env:NAME or file:PATH, got \(v.typeName)") }
            if ref.hasPrefix("env:") {
                let name = String(ref.dropFirst(4))
                guard let value = environment[name] else {
                    throw fail(k, "secrets.\(k): the environment variable \(name) is not set", hint: "export \(name)=... before deploying")
                }
                d.secrets[k] = value
            } else if ref.hasPrefix("file:") {
                let p = String(ref.dropFirst(5))
                guard let data = FileManager.default.contents(atPath: p), let s = String(data: data, encoding: .utf8) else {
                    throw fail(k, "secrets.\(k): cannot read \(p)")
                }
                d.secrets[k] = s.hasSuffix("\n") ? String(s.dropLast()) : s
            } else {
                throw fail(k, "secrets.\(k) must be a reference env:NAME or file:PATH, never the secret itself",
                           hint: "\(k): env:DEPLOY_TOKEN")
            }
        }
        return d
    }
}

/// A deploy description that cannot be used: `PATH:LINE: field F: reason` (exit 2).
public struct DeployDescriptionError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int?
    public let field: String?
    public let reason: String
    public let hint: String?

    public init(path: String, line: Int?, field: String?, reason: String, hint: String?) {
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
        self.hint = hint
    }

    public var message: String {
        "\(path)\(line.map { ":\($0)" } ?? "")" + (field.map { ": field '\($0)'" } ?? "") + ": \(reason)"
    }
    public var description: String { message }
}

/// Where a key is written in a JSON or YAML text, for messages: the first line that has it as a key
/// (`"key":` or `key:`); 1 when none does. A description is small and flat, so the first is the one.
enum FieldLocator {
    static func line(of key: String, in text: String) -> Int {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            for form in ["\"\(key)\"", "'\(key)'", key] {
                if let r = t.range(of: form) {
                    let rest = t[r.upperBound...].drop { $0 == " " }
                    let before = t[..<r.lowerBound]
                    let startsKey = before.isEmpty || before.hasSuffix("{") || before.hasSuffix(",") || before.hasSuffix(" ") || before.hasSuffix("- ")
                    if rest.hasPrefix(":") && startsKey { return i + 1 }
                }
            }
        }
        return 1
    }
}

/// The line of a key in a description file, for errors found after reading it (a stage with no artifact).
public enum FieldLocatorLine {
    public static func of(_ key: String, in path: String) -> Int {
        FieldLocator.line(of: key, in: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }
}
