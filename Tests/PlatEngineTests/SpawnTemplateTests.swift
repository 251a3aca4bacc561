import Foundation
import Testing
@testable import PlatEngine

/// SpawnTemplate (what a fan-out's children share) and the runner's handling of input and exit that fan-outs
/// rely on: the script written before the spawn, children that close their output before they exit.
@Suite struct SpawnTemplateTests {
    /// `env`'s output as a dictionary.
    private func environment(of r: ProcessResult) -> [String: String] {
        var out: [String: String] = [:]
        for line in r.stdoutText.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    private func spec(_ arguments: [String], env: [String: String], template: SpawnTemplate?,
                      stdin: [UInt8]? = nil, timeout: Double? = nil) -> ProcessSpec {
        var s = ProcessSpec(arguments: arguments, environment: env, stdin: stdin, timeout: timeout)
        s.template = template
        return s
    }

    @Test func theChildGetsTheTemplatesEnvironmentWithTheSpecsOnTop() throws {
        let template = try SpawnTemplate(environment: ["A": "1", "B": "2", "PATH": "/usr/bin:/bin"])
        let r = try ProcessRunner.run(spec(["env"], env: ["B": "3", "C": "4 = four"], template: template))
        #expect(r.exitCode == 0)
        #expect(environment(of: r) == ["A": "1", "B": "3", "C": "4 = four", "PATH": "/usr/bin:/bin"])
    }

    @Test func withoutATemplateTheEnvironmentIsExactlyTheSpecs() throws {
        let r = try ProcessRunner.run(spec(["/usr/bin/env"], env: ["ONLY": "this"], template: nil))
        #expect(environment(of: r) == ["ONLY": "this"])
    }

    @Test func aTemplateRefusesWhatNoProcessCanReceive() {
        for bad in [["A=B": "x"], ["": "x"], ["A": "nul\0inside"]] {
            #expect(throws: ProcessRunnerError.self) { _ = try SpawnTemplate(environment: bad) }
        }
    }

    @Test func theProgramIsSearchedOnTheTemplatesPathUnlessTheSpecSetsPATH() throws {
        let template = try SpawnTemplate(environment: ["PATH": "/nonexistent-platflow-dir"])
        #expect(throws: ProcessRunnerError.self) {
            _ = try ProcessRunner.run(spec(["sh", "-c", "true"], env: [:], template: template))
        }
        let r = try ProcessRunner.run(spec(["sh", "-c", "echo $PATH"], env: ["PATH": "/usr/bin:/bin"], template: template))
        #expect(r.exitCode == 0)
        #expect(r.stdoutText == "/usr/bin:/bin\n")
    }

    @Test func aRelativePathEntryIsSearchedEveryTimeFromTheWorkingDirectory() throws {
        let dir = NSTemporaryDirectory() + "platflow-template-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tool = dir + "/bin/platflow-template-tool"
        try "#!/bin/sh\necho found\n".write(toFile: tool, atomically: true, encoding: .utf8)
        chmod(tool, 0o755)
        let template = try SpawnTemplate(environment: ["PATH": "bin:/usr/bin:/bin"])
        var s = spec(["platflow-template-tool"], env: [:], template: template)
        s.workingDirectory = dir
        #expect(try ProcessRunner.run(s).stdoutText == "found\n")
        s.workingDirectory = NSTemporaryDirectory()
        #expect(throws: ProcessRunnerError.self) { _ = try ProcessRunner.run(s) }
    }

    @Test func manyThreadsShareOneTemplate() throws {
        let template = try SpawnTemplate(environment: ProcessInfo.processInfo.environment)
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 40) { i in
            let r = try? ProcessRunner.run(spec(["sh", "-s"], env: ["N": "\(i)"], template: template,
                                                stdin: Array("echo \"$N\"".utf8)))
            results.set(i, r?.stdoutText ?? "failed")
        }
        #expect(results.all == (0..<40).map { "\($0)\n" })
    }

    @Test func inputOfEverySizeArrivesWhole() throws {
        // Up to PIPE_BUF it is written before the spawn in one go; more goes in as the pipe takes it.
        for size in [0, 1, 4095, 4096, 4097, 65_536, 300_000] {
            let input = [UInt8](repeating: UInt8(ascii: "x"), count: size)
            let r = try ProcessRunner.run(ProcessSpec(arguments: ["/bin/sh", "-c", "wc -c"], stdin: input))
            #expect(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "\(size)", "size \(size)")
        }
    }

    @Test func aChildThatClosesItsOutputIsStillAwaited() throws {
        let script = "exec >/dev/null 2>&1; sleep 0.3; exit 7"
        // Without a timeout the runner waits for the exit; with one it watches the exit and the clock.
        for timeout in [nil, 30.0] as [Double?] {
            let r = try ProcessRunner.run(ProcessSpec(arguments: ["/bin/sh", "-c", script], timeout: timeout))
            #expect(r.exitCode == 7)
            #expect(!r.timedOut)
            #expect(r.duration >= 0.3)
        }
        let late = try ProcessRunner.run(ProcessSpec(arguments: ["/bin/sh", "-c", "exec >&- 2>&-; sleep 30"],
                                                     timeout: 0.2))
        #expect(late.timedOut)
        #expect(late.duration < 10)
    }

    @Test func aChildThatExitsWhileItsOutputIsHeldIsNoticed() throws {
        // The background sleep keeps stdout open: the exit is noticed (a pidfd once the first look found the
        // pipes open) and reading stops lingerGrace later, not when the sleep ends.
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["/bin/sh", "-c", "echo hi; sleep 5 & exit 3"]))
        #expect(r.exitCode == 3)
        #expect(r.stdoutText == "hi\n")
        #expect(r.duration < 4)
    }
}

/// Results gathered from many threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: String] = [:]
    func set(_ i: Int, _ v: String) {
        lock.lock()
        values[i] = v
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return values.keys.sorted().map { values[$0]! }
    }
}
