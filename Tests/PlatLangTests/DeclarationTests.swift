import Foundation
import Testing
@testable import PlatLang

/// A declaration form described only by a `DeclarationSpec` (`TestDeclarations.pipeline`, which no module has):
/// the parser reads it, the resolver checks it against the spec with positions, and the module records its
/// values. Without the spec, its keyword is an ordinary name.
@Suite("declarations described by a spec")
struct DeclarationTests {
    /// Three lines: the declarations under test start on line 4.
    static let plans = "plan main(version: string, dry: bool = false) { print(version) }\nplan undo() { }\n\n"

    /// Every problem of `source` (after `plans`) as `PATH:LINE:COL: MESSAGE` and its hint, in report order.
    static func problems(_ source: String, declarations: [DeclarationSpec] = [TestDeclarations.pipeline]) -> [String] {
        let interpreter = Interpreter(effects: CheckOnlyEffects(), declarations: declarations,
                                      sources: MemorySources(["t.plat": plans + source]))
        return interpreter.check(path: "t.plat").map { d in
            let at = d.location.map { "\($0.file?.path ?? "?"):\($0.line):\($0.col): " } ?? ""
            return at + d.message + (d.hint.map { " | hint: \($0)" } ?? "")
        }
    }

    static func load(_ source: String) throws -> CompiledModule {
        let interpreter = Interpreter(effects: CheckOnlyEffects(), declarations: [TestDeclarations.pipeline],
                                      sources: MemorySources(["t.plat": plans + source]))
        return try interpreter.load(path: "t.plat")
    }

    @Test("a valid declaration is recorded with its values worked out: nested stages, plan calls, plan names")
    func recordsValues() throws {
        let module = try DeclarationTests.load("""
            pipeline "release" for main {
                stages: [{ name: "build", timeout: 10m }, { name: "ship", run: main("1.2", dry: true) }],
                gate: "manual",
                notify: { team: "sre" },
                retries: 2,
                rollback: undo,
            }
            """)
        #expect(module.declarations.count == 1)
        let d = try #require(module.declarations.first)
        #expect(d.kind == "pipeline" && d.label == "release" && d.target == "main")
        #expect(d.entries.map(\.key) == ["stages", "gate", "notify", "retries", "rollback"])
        #expect(d.entry("stages")?.value.repr
                == #"[{"name": "build", "timeout": 10m}, {"name": "ship", "run": {"plan": "main", "args": {"version": "1.2", "dry": true}}}]"#)
        #expect(d.entry("gate")?.value == .string("manual"))
        #expect(d.entry("notify")?.value.repr == #"{"team": "sre"}"#)
        #expect(d.entry("retries")?.value == .int(2))
        #expect(d.entry("rollback")?.value == .string("undo"))
        // Positions are those of the values: line 5 of the file is the `stages:` line.
        #expect(d.entry("stages").map { ($0.loc.line, $0.loc.col) } ?? (0, 0) == (5, 13))
        #expect((d.labelLoc.line, d.labelLoc.col) == (4, 10))
    }

    @Test("an unknown key is reported at the key with a did-you-mean, or the list of keys")
    func unknownKey() {
        #expect(DeclarationTests.problems("""
            pipeline "a" for main { stages: [], gatee: "manual" }
            pipeline "b" for main { stages: [], gate: "auto", colour: "red" }
            """) == [
            "t.plat:4:37: unknown pipeline key 'gatee' | hint: did you mean 'gate'?",
            "t.plat:5:51: unknown pipeline key 'colour' | hint: a pipeline takes: stages, gate, notify, retries, rollback",
        ])
    }

    @Test("a value of the wrong type is reported at the value, nested ones with their path")
    func wrongType() {
        #expect(DeclarationTests.problems("""
            pipeline "a" for main { stages: "build", gate: "manul", retries: "3" }
            pipeline "b" for main { stages: [{ name: 1 }, { name: "x", timeout: 5 }], gate: "auto", notify: { team: 1 } }
            pipeline "c" for main { stages: [{ name: "x", owner: "me" }], gate: "auto", retries: 1 + 1 }
            """) == [
            #"t.plat:4:33: stages must be a list such as [{ name: "build" }]"#,
            #"t.plat:4:48: gate must be one of: "manual", "auto" | hint: did you mean 'manual'?"#,
            #"t.plat:4:66: retries must be an int such as 3"#,
            #"t.plat:5:42: stages[0].name must be a string such as "build""#,
            #"t.plat:5:69: stages[1].timeout must be a duration such as 10m"#,
            #"t.plat:5:105: notify.team must be a string"#,
            #"t.plat:6:47: unknown key 'owner' in 'stages[0]' | hint: 'stages[0]' takes: name, timeout, run"#,
            #"t.plat:6:88: the value of 'retries' must be a constant (a literal, or a list or map of literals)"#,
        ])
    }

    @Test("a missing required key is reported at the label (at the map for a nested one), once the rest is right")
    func missingKey() {
        #expect(DeclarationTests.problems("""
            pipeline "a" for main { stages: [] }
            pipeline "b" for main { stages: [{ timeout: 1m }], gate: "auto" }
            pipeline "c" for main { gatee: "auto" }
            """) == [
            #"t.plat:4:10: pipeline "a" needs 'gate' | hint: gate: "manual""#,
            #"t.plat:5:34: 'stages[0]' needs 'name' | hint: name: "build""#,
            // The misspelt key is the missing one: said once.
            #"t.plat:6:25: unknown pipeline key 'gatee' | hint: did you mean 'gate'?"#,
        ])
    }

    @Test("plans it refers to must exist: for PLAN, a plan name, a plan call and its parameters")
    func unknownPlan() {
        #expect(DeclarationTests.problems("""
            pipeline "a" for mian { stages: [], gate: "auto" }
            pipeline "b" { stages: [], gate: "auto" }
            pipeline "c" for main { stages: [{ name: "x", run: mian() }], gate: "auto", rollback: udno }
            pipeline "d" for main { stages: [{ name: "x", run: main(verison: "1") }], gate: "auto", rollback: "undo" }
            """) == [
            #"t.plat:4:10: pipeline "a" is for plan 'mian', which this file does not declare | hint: did you mean 'main'?"#,
            #"t.plat:5:10: a pipeline names the plan it releases: pipeline "b" for PLAN { ... }"#,
            #"t.plat:6:52: stages[0].run: names no plan of this file: 'mian' | hint: did you mean 'main'?"#,
            #"t.plat:6:87: rollback: names no plan of this file: 'udno' | hint: did you mean 'undo'?"#,
            #"t.plat:7:57: plan main has no parameter 'verison' | hint: did you mean 'version'?"#,
            #"t.plat:7:99: rollback: must name a plan of this file, like rollback: main"#,
        ])
    }

    @Test("duplicates, declarations inside a plan, and keys given twice")
    func placement() {
        #expect(DeclarationTests.problems("""
            pipeline "a" for main { stages: [], gate: "auto" }
            pipeline "a" for main { stages: [], gate: "auto", gate: "manual" }
            plan inner() {
                pipeline "b" for main { stages: [], gate: "auto" }
            }
            """) == [
            #"t.plat:7:5: pipeline "b" must be declared at the top level of a file"#,
            #"t.plat:5:10: duplicate pipeline "a""#,
            #"t.plat:5:51: pipeline key 'gate' given twice"#,
        ])
    }

    @Test("syntax errors of the form name the keyword")
    func syntaxErrors() {
        #expect(DeclarationTests.problems("""
            pipeline "a" for main stages
            pipeline "b\\(1)" for main { }
            pipeline "c" for 1 { }
            """) == [
            #"t.plat:4:23: expected '{' to start the pipeline "a", found 'stages' | hint: write pipeline "a" { key: value, ... }"#,
            "t.plat:5:10: a pipeline name must be a plain string, without interpolation",
            "t.plat:6:18: expected a plan name after 'for', found '1'",
        ])
    }

    @Test("a keyword no spec declares is an ordinary name, and a declared one is still a name where no string follows")
    func keywordsStayNames() throws {
        #expect(DeclarationTests.problems("pipeline \"a\" for main { stages: [], gate: \"auto\" }\n", declarations: [])
                == ["t.plat:4:10: expected a line break or ';' after the statement, found a string"])
        #expect(DeclarationTests.problems("""
            var pipeline = [1]
            pipeline = pipeline + [2]
            print(pipeline)
            """).isEmpty)
    }

    @Test("an event subscription's syntax becomes a declaration checked by its spec")
    func eventSubscription() throws {
        let on = DeclarationSpec(keyword: "when", kind: "trigger", syntax: .eventSubscription, keys: .fixed([
            DeclarationKey("event", .string, required: true), DeclarationKey("where", .string),
            DeclarationKey("run", .planCall, required: true),
        ]), uniqueLabels: false)
        let interpreter = Interpreter(effects: CheckOnlyEffects(), declarations: [on], sources: MemorySources(["t.plat": """
            plan main(version: string) { }
            when build.done where "ok" run main("1")
            when build.done run main(version: "2")
            """]))
        let module = try interpreter.load(path: "t.plat")
        #expect(module.declarations.map(\.kind) == ["trigger", "trigger"])
        #expect(module.declarations.map(\.label) == ["build.done", "build.done"])
        #expect(module.declarations[0].entries.map(\.key) == ["event", "where", "run"])
        #expect(module.declarations[0].entry("run")?.value.repr == #"{"plan": "main", "args": {"version": "1"}}"#)
        #expect(DeclarationTests.problems("when build.done run mian()\nwhen x.y run main(version: 1 + 1)\n", declarations: [on]) == [
            "t.plat:4:21: run: names no plan of this file: 'mian' | hint: did you mean 'main'?",
            "t.plat:5:30: trigger arguments must be constants",
        ])
    }
}
