/// How one kind of declaration looks and what it may contain: `schedule "nightly" { cron: ..., run: ... }`,
/// `scheme "prod" for main { ... }`, `on cmdb.host.changed run audit()`.
///
/// The language knows no declaration by itself: whoever loads a file (the engine, a module of it, a test)
/// hands the interpreter the specs it understands. The parser then reads the keyword as the start of a
/// declaration (elsewhere it stays an ordinary name), and the resolver checks the declaration against its
/// spec (keys, value types, the plan it refers to) with positions, before anything runs. What the spec cannot
/// know (is this cron text valid, does this event exist) is checked by its owner from the `Declaration` the
/// resolver records.
public struct DeclarationSpec: Sendable {
    /// How a declaration of this kind is written.
    public enum Syntax: Sendable {
        /// `KEYWORD "label" [ for PLAN ] { key: value, ... }`
        case block
        /// `KEYWORD EVENT [ where "filter" ] run PLAN(args)`: the label is the dotted event name, and the
        /// declaration's entries are `event` (the name again), `where` (when written) and `run`.
        case eventSubscription
    }

    /// Whether a block declaration names a plan with `for PLAN`.
    public enum PlanTarget: Sendable {
        /// `for PLAN` is an error.
        case none
        /// `for PLAN` is required; `purpose` completes "a KIND names the plan it ..." (`presets`).
        case required(purpose: String)
        /// `for PLAN` may be given; when it is, the plan must exist.
        case optional
    }

    /// Which keys a declaration takes.
    public enum Keys: Sendable {
        /// These keys and no others.
        case fixed([DeclarationKey])
        /// The parameters of the `for PLAN` plan, each with a constant value (a scheme presets them).
        case planParameters
    }

    /// The word that starts the declaration (`schedule`, `on`).
    public let keyword: String
    /// Its name in messages and in `Declaration.kind`: the keyword, unless the syntax reads otherwise
    /// (`on ... run` declares a `subscription`).
    public let kind: String
    public let syntax: Syntax
    public let target: PlanTarget
    public let keys: Keys
    /// Two declarations of this kind may not share a label (two schedules "nightly"); subscriptions may.
    public let uniqueLabels: Bool

    public init(keyword: String, kind: String? = nil, syntax: Syntax = .block, target: PlanTarget = .none,
                keys: Keys, uniqueLabels: Bool = true) {
        self.keyword = keyword
        self.kind = kind ?? keyword
        self.syntax = syntax
        self.target = target
        self.keys = keys
        self.uniqueLabels = uniqueLabels
    }
}

/// One key of a declaration (or of a map nested in one).
public struct DeclarationKey: Sendable {
    public let name: String
    public let type: DeclarationValueType
    public let isRequired: Bool
    /// A value as the user would write it, for messages: "tz must be a string such as \"Asia/Shanghai\"".
    public let example: String?
    /// The hint when the key is missing; by default "NAME: EXAMPLE".
    public let missingHint: String?

    public init(_ name: String, _ type: DeclarationValueType, required: Bool = false, example: String? = nil,
                missingHint: String? = nil) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.example = example
        self.missingHint = missingHint
    }
}

/// What a declaration's value may be. Every value is a constant, worked out when the file is checked.
public indirect enum DeclarationValueType: Sendable {
    case string
    case int
    /// A number: an int is taken as a float.
    case float
    case bool
    case duration
    case size
    /// One of these strings (`overlap: "skip"`); a near miss gets a "did you mean".
    case oneOf([String])
    /// A list whose every item is of this type.
    case list(DeclarationValueType)
    /// A map from names to values of this type (`env: { REGION: "eu" }`).
    case map(DeclarationValueType)
    /// A nested block with keys of its own (`resources: [{ path: "/orders", run: orders() }]`).
    case record([DeclarationKey])
    /// A plan of this file by name (`plan: deploy`), recorded as its name.
    case plan
    /// A call of a plan of this file with constant arguments (`run: cleanup(days: 7)`), recorded as the map
    /// `{plan: "cleanup", args: {days: 7}}`.
    case planCall
    /// Any constant.
    case any

    /// How a message names the type: "tz must be a string".
    var phrase: String {
        switch self {
        case .string: return "a string"
        case .int: return "an int"
        case .float: return "a number"
        case .bool: return "true or false"
        case .duration: return "a duration"
        case .size: return "a size"
        case .oneOf(let options): return "one of: " + options.map { "\"\($0)\"" }.joined(separator: ", ")
        case .list: return "a list"
        case .map, .record: return "a map"
        case .plan: return "the name of a plan of this file"
        case .planCall: return "a call of a plan of this file"
        case .any: return "a constant"
        }
    }
}
