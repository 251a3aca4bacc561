import Testing
@testable import platflow
import PlatLang

/// How module command families join the command list (main.swift adds each installed module's families).
@Suite struct CommandTreeTests {
    static func leaf(_ name: String) -> CommandSpec {
        CommandSpec(name: name, summary: "\(name) it", usage: ["platflow app \(name)"], flags: [], examples: [],
                    action: { _, _ in 0 })
    }

    @Test("two modules' families of one name join: each keeps its verbs, the first family's summary stays")
    func familiesOfOneNameJoin() throws {
        var tree = CommandTree([])
        tree.add(CommandSpec(name: "app", summary: "Apps: versions and deploy history.", subcommands: [Self.leaf("history"), Self.leaf("show")]))
        tree.add(CommandSpec(name: "app", summary: "Apps in containers.", subcommands: [Self.leaf("scale"), Self.leaf("logs")]))
        let app = try tree.command(named: "app")
        #expect(app.subcommands.map(\.name) == ["history", "show", "scale", "logs"])
        #expect(app.summary == "Apps: versions and deploy history.")
        #expect(try tree.path(["app", "scale"]).map(\.name) == ["app", "scale"])
        #expect(tree.commands.filter { $0.name == "app" }.count == 1)
    }

    @Test("a command line builds only the command it names; the overview builds every one, families joined")
    func onlyTheNamedCommandIsBuilt() throws {
        final class Built { var names: [String] = [] }
        let built = Built()
        var tree = CommandTree([])
        for (name, verb) in [("alpha", "a"), ("app", "history"), ("app", "scale")] {
            tree.add(CommandTree.Entry(name, {
                built.names.append(name)
                return name == "app" ? CommandSpec(name: name, summary: name, subcommands: [Self.leaf(verb)]) : Self.leaf(name)
            }()))
        }
        #expect(built.names.isEmpty)
        #expect(try tree.path(["app", "scale"]).map(\.name) == ["app", "scale"])
        #expect(built.names == ["app", "app"])
        #expect(tree.commands.map(\.name) == ["alpha", "app"])
        #expect(built.names.contains("alpha"))
        #expect(throws: UsageError.self) { try tree.command(named: "alpah") }
    }

    @Test("an unknown verb of a joined family names the closest of both modules' verbs")
    func joinedFamilySuggests() {
        var tree = CommandTree([])
        tree.add(CommandSpec(name: "app", summary: "a", subcommands: [Self.leaf("history")]))
        tree.add(CommandSpec(name: "app", summary: "b", subcommands: [Self.leaf("scale")]))
        #expect(throws: UsageError.self) { try tree.path(["app", "scael"]) }
        do { _ = try tree.path(["app", "scael"]) } catch let e as UsageError {
            #expect(e.hint == "did you mean 'scale'?")
        } catch { Issue.record("\(error)") }
    }
}
