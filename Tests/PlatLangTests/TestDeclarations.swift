import Foundation
@testable import PlatLang

/// Declaration forms for the language's own tests, which cannot import the engine or its modules.
enum TestDeclarations {
    /// A form no module has: a release pipeline with nested stages, a closed set of gates, a map of strings and
    /// references to plans in three ways (`for PLAN`, `rollback: PLAN`, a stage's `run: PLAN(args)`).
    static let pipeline = DeclarationSpec(keyword: "pipeline", target: .required(purpose: "releases"), keys: .fixed([
        DeclarationKey("stages", .list(.record([
            DeclarationKey("name", .string, required: true, example: "\"build\""),
            DeclarationKey("timeout", .duration, example: "10m"),
            DeclarationKey("run", .planCall),
        ])), required: true, example: "[{ name: \"build\" }]"),
        DeclarationKey("gate", .oneOf(["manual", "auto"]), required: true, example: "\"manual\""),
        DeclarationKey("notify", .map(.string)),
        DeclarationKey("retries", .int, example: "3"),
        DeclarationKey("rollback", .plan),
    ]))

    /// The shapes of the engine's `schedule` and `on ... run` the job platform's `scheme` and the release module's `app`, so that the
    /// workflows shipped in `workflows/` parse and resolve in the robustness corpus. The real specs live in
    /// PlatEngine (`EngineDeclarations`), PlatJobs (`SchemeDeclaration`) and PlatRelease (`AppDeclaration`); `platflow check` on the shipped
    /// workflows is tested with them in the CLI tests.
    static let shippedShapes: [DeclarationSpec] = [
        DeclarationSpec(keyword: "schedule", keys: .fixed([
            DeclarationKey("cron", .string, required: true), DeclarationKey("tz", .string),
            DeclarationKey("run", .planCall, required: true), DeclarationKey("overlap", .string),
            DeclarationKey("catch_up", .duration),
        ])),
        DeclarationSpec(keyword: "scheme", target: .required(purpose: "presets"), keys: .planParameters),
        DeclarationSpec(keyword: "on", kind: "subscription", syntax: .eventSubscription, keys: .fixed([
            DeclarationKey("event", .string, required: true), DeclarationKey("where", .string),
            DeclarationKey("run", .planCall, required: true),
        ]), uniqueLabels: false),
        // The release module's `app` (PlatRelease's AppDeclaration).
        DeclarationSpec(keyword: "app", keys: .fixed([
            DeclarationKey("deploy", .plan, required: true), DeclarationKey("envs", .map(.string), required: true),
            DeclarationKey("owners", .list(.string)), DeclarationKey("requires", .map(.string)), DeclarationKey("policy", .any),
        ])),
    ]
}

/// Files held in memory, by path.
final class MemorySources: SourceProvider {
    var files: [String: String]
    init(_ files: [String: String]) { self.files = files }
    func read(path: String) throws -> SourceFile {
        guard let text = files[path] else {
            throw Diagnostic(message: "cannot read file '\(path)'", location: nil, phase: .usage)
        }
        return SourceFile(path: path, text: text)
    }
}
