import Testing
import PlatEngine
@testable import PlatContainers

@Suite struct ContainersModuleTests {
    @Test func joinsAModuleSetBesideTheEngine() throws {
        let set = try ModuleSet([ContainersModule()])
        #expect(set.modules.contains { $0.name == "containers" })
    }
}
