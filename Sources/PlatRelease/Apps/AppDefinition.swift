import PlatLang

/// One `app` declaration, read and checked: what a deploy needs to know about the app.
public struct AppDefinition: Sendable, Equatable {
    public let name: String
    /// The file that declares it.
    public let file: String
    /// The plan a deploy runs, with `version`, `artifact` and `env` (those it declares) and `--param`s.
    public let deployPlan: String
    public let environments: [Environment]
    public let owners: [String]
    /// dependency app → the range of its versions this app works with, as written.
    public let requires: [String: String]
    /// nil: the standard policy.
    public let policy: StagePolicy?

    public init(name: String, file: String, deployPlan: String, environments: [Environment], owners: [String] = [],
                requires: [String: String] = [:], policy: StagePolicy? = nil) {
        self.name = name
        self.file = file
        self.deployPlan = deployPlan
        self.environments = environments
        self.owners = owners
        self.requires = requires
        self.policy = policy
    }

    /// The ranges, parsed (every one was checked when the definition was read).
    public var requiredRanges: [String: VersionRange] {
        requires.compactMapValues { try? VersionRange(parsing: $0) }
    }

    /// Reads every `app` declaration of `module`: the definitions that are sound, and a diagnostic with the
    /// entry's place for every problem (an unknown class with a near one, a bad app name, a range that is not
    /// an npm range, a policy that names an unknown stage).
    public static func read(_ declarations: [Declaration], file: String) -> (apps: [AppDefinition], problems: [Diagnostic]) {
        var apps: [AppDefinition] = []
        var problems: [Diagnostic] = []
        for d in declarations where d.kind == AppDeclaration.spec.kind {
            var local: [Diagnostic] = []
            func problem(_ message: String, _ loc: SourceLoc, hint: String? = nil) {
                local.append(Diagnostic(message: message, location: loc, hint: hint, phase: .resolve))
            }
            do { try AppName.check(d.label) } catch let e as ReleaseError {
                problem("app \"\(d.label)\": \(e.message)", d.labelLoc, hint: e.hint)
            } catch {}
            var plan = ""
            if case .string(let p)? = d.entry("deploy")?.value { plan = p }
            var environments: [Environment] = []
            if let (value, loc) = d.entry("envs"), case .map(let m) = value {
                if m.pairs.isEmpty { problem("app \"\(d.label)\" declares no environments", loc, hint: "envs: {test: \"test\"}") }
                for (k, v) in m.pairs {
                    guard case .string(let name) = k, case .string(let cls) = v else { continue }
                    if let c = EnvironmentClass(name: cls) {
                        environments.append(Environment(name: name, class: c))
                    } else {
                        let near = closestName(to: cls, in: EnvironmentClass.allCases.map(\.name))
                        problem("app \"\(d.label)\": environment \(name) has an unknown class \"\(cls)\"", loc,
                                hint: near.map { "did you mean \"\($0)\"?" } ?? "a class is test, staging or production")
                    }
                }
            }
            var owners: [String] = []
            if case .list(let xs)? = d.entry("owners")?.value {
                owners = xs.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
            }
            var requires: [String: String] = [:]
            if let (value, loc) = d.entry("requires"), case .map(let m) = value {
                for (k, v) in m.pairs {
                    guard case .string(let dep) = k, case .string(let range) = v else { continue }
                    do { try AppName.check(dep) } catch let e as ReleaseError {
                        problem("app \"\(d.label)\" requires \(e.message)", loc, hint: e.hint)
                        continue
                    } catch {}
                    if dep == d.label { problem("app \"\(d.label)\" requires itself", loc); continue }
                    do {
                        _ = try VersionRange(parsing: range)
                        requires[dep] = range
                    } catch let e as SemverError {
                        problem("app \"\(d.label)\" requires \(dep) \"\(range)\", which is not a version range: \(e.reason) (column \(e.column))", loc,
                                hint: e.hint ?? "an npm range: \"^2.1\", \"~1.4.0\", \">=2.0.0 <3.0.0\"")
                    } catch {}
                }
            }
            var policy: StagePolicy? = nil
            if let (value, loc) = d.entry("policy") {
                do {
                    let p = try StagePolicy(overriding: value)
                    policy = p == .standard ? nil : p
                } catch let e as ReleaseError {
                    problem("app \"\(d.label)\" policy: \(e.message)", loc, hint: e.hint)
                } catch {}
            }
            problems += local
            if local.isEmpty {
                apps.append(AppDefinition(name: d.label, file: file, deployPlan: plan, environments: environments,
                                          owners: owners, requires: requires, policy: policy))
            }
        }
        return (apps, problems)
    }
}
