import Foundation
import Testing

/// One state per project: from any folder below the project's root, commands find its database the way git
/// finds `.git`; `--db` and `PLATFLOW_DB` still win.
@Suite(.serialized)
struct DatabaseDiscoveryTests {
    @Test("a command in a subfolder uses the project's database; --db and PLATFLOW_DB win; a ceiling stops the walk")
    func walksUpToTheProjectDatabase() throws {
        let root = try Binary.tempDir("project")
        defer { try? FileManager.default.removeItem(at: root) }
        let deep = root.appendingPathComponent("services/web/deploy")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        let (c0, _, e0) = try Binary.run(["cmdb", "host", "add", "inner_ip=10.0.0.1", "hostname=root-host"], in: root)
        #expect(c0 == 0, "\(e0)")

        let (c1, out1, e1) = try Binary.run(["cmdb", "hosts"], in: deep)
        #expect(c1 == 0 && out1.contains("root-host"), "\(out1)\(e1)")
        #expect(!FileManager.default.fileExists(atPath: deep.appendingPathComponent(".platflow/platflow.db").path),
                "a second database was created in the subfolder")
        // A plan run from the subfolder is recorded in the project's database.
        try "plan main() { print(\"hi\") }\n".write(to: deep.appendingPathComponent("p.plat"), atomically: true, encoding: .utf8)
        let (c2, _, e2) = try Binary.run(["run", "p.plat", "-q"], in: deep)
        #expect(c2 == 0, "\(e2)")
        let (_, runs, _) = try Binary.run(["runs", "--json"], in: root)
        #expect(runs.contains("p.plat"), "\(runs)")

        let other = root.appendingPathComponent("other.db").path
        let (_, viaFlag, _) = try Binary.run(["cmdb", "hosts", "--db", other], in: deep)
        #expect(!viaFlag.contains("root-host"), "--db did not win: \(viaFlag)")
        let (_, viaEnv, _) = try Binary.run(["cmdb", "hosts"], in: deep, env: ["PLATFLOW_DB": other])
        #expect(!viaEnv.contains("root-host"), "PLATFLOW_DB did not win: \(viaEnv)")
        let (_, ceiling, _) = try Binary.run(["cmdb", "hosts"], in: deep,
                                             env: ["PLATFLOW_CEILING_DIRECTORIES": root.appendingPathComponent("services").path])
        #expect(!ceiling.contains("root-host"), "the walk went above the ceiling: \(ceiling)")
    }
}
