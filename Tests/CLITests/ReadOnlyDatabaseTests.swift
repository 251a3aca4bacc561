import Foundation
import Testing

/// A database on read-only media can still be read: `runs`, `logs` and `cmdb hosts` work, and a command that
/// writes fails with a clear error. The media is made read-only with bubblewrap (the whole file system
/// mounted read-only for the command), which scripts/setup.sh installs.
@Suite("a read-only database")
struct ReadOnlyDatabaseTests {
    static let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs platflow ARGS with the whole file system read-only.
    func readOnly(_ cli: CLI, _ args: [String]) throws -> (code: Int32, out: String, err: String) {
        let bwrap = try #require(Self.bwrap, "bubblewrap (bwrap) is needed: run scripts/setup.sh")
        let binary = try #require(CLI.binary)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bwrap)
        p.arguments = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--chdir", cli.directory.path, binary.path] + args
        p.environment = ["NO_COLOR": "1", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test("runs, logs and cmdb hosts read it; a write is refused with the reason",
          .enabled(if: ConfinementTests.cannotSetUp == nil, "bubblewrap cannot set up mount namespaces on this machine"))
    func readable() throws {
        try CLI.with { cli in
            try cli.write("f.plat", "plan main() { print(\"hello\") }\n")
            expectExit(try cli.run(["run", "f.plat"]), 0)
            expectExit(try cli.run(["cmdb", "host", "add", "inner_ip=10.0.0.7", "hostname=ro-host"]), 0)
            let runs = try readOnly(cli, ["runs"])
            #expect(runs.code == 0 && runs.out.contains("succeeded"), "\(runs)")
            let id = try #require(runs.out.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
            let logs = try readOnly(cli, ["logs", id])
            #expect(logs.code == 0 && logs.out.contains("hello"), "\(logs)")
            let hosts = try readOnly(cli, ["cmdb", "hosts"])
            #expect(hosts.code == 0 && hosts.out.contains("ro-host"), "\(hosts)")
            let write = try readOnly(cli, ["cmdb", "host", "add", "inner_ip=10.0.0.8"])
            #expect(write.code != 0 && write.err.contains("readonly"), "\(write)")
        }
    }
}
