/// What kind of place an environment is; gates speak of classes, apps name their environments
/// (`envs: {test: "test", "stage-sh": "staging", prod: "production"}`).
public enum EnvironmentClass: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case test = 0, staging, production

    public static func < (a: EnvironmentClass, b: EnvironmentClass) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .test: return "test"
        case .staging: return "staging"
        case .production: return "production"
        }
    }

    public var description: String { name }

    /// `test`, `staging` or `production`; nil for anything else.
    public init?(name: String) {
        guard let c = EnvironmentClass.allCases.first(where: { $0.name == name }) else { return nil }
        self = c
    }

    /// Parses a class word, or throws an input error listing the three.
    public static func parse(_ text: String, what: String = "environment class") throws -> EnvironmentClass {
        guard let c = EnvironmentClass(name: text) else {
            throw ReleaseError.invalidInput("unknown \(what) '\(text)'", hint: "one of: test, staging, production")
        }
        return c
    }
}

/// A named environment of an app and its class (`stage-sh`, staging). The app declaration fills these in
/// (`release_environments`); acceptances and gates name the environment and judge by its class.
public struct Environment: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let environmentClass: EnvironmentClass

    public init(name: String, class environmentClass: EnvironmentClass) {
        self.name = name
        self.environmentClass = environmentClass
    }

    /// `stage-sh (staging)`, or just `staging` when the name is the class.
    public var description: String {
        name == environmentClass.name ? name : "\(name) (\(environmentClass))"
    }
}
