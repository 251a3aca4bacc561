import PlatEngine
@testable import PlatJobs
import Testing

@Suite("the job platform as a module")
struct JobsModuleTests {
    @Test("its sh replaces the engine's because it says so, and its other effects join the set")
    func shOverridesTheEngines() throws {
        let set = try ModuleSet([JobsModule()])
        #expect(set.effects.effects["sh"] is FleetShellEffect)
        #expect(set.effects.effects["copy"] is CopyEffect)
        #expect(set.effects.effects["script"] is ScriptEffect)
        #expect(set.migrations.contains { $0.module == "jobs_library" })
    }
}
