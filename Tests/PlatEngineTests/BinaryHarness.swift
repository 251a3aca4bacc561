import Foundation
import Testing

/// Runs the built `platflow` binary in tests that must really kill or race processes.
enum Binary {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var path: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("platflow").path,
            packageRoot.appendingPathComponent(".build/debug/platflow").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// Starts the binary with output to files in `dir`; returns the process.
    static func start(_ args: [String], in dir: URL, tag: String, env: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.currentDirectoryURL = dir
        var e = ProcessInfo.processInfo.environment
        e["NO_COLOR"] = "1"
        for (k, v) in env { e[k] = v }
        p.environment = e
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("\(tag).out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("\(tag).err").path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: dir.appendingPathComponent("\(tag).out"))
        p.standardError = try FileHandle(forWritingTo: dir.appendingPathComponent("\(tag).err"))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs to completion; returns (exit code, stdout, stderr).
    static func run(_ args: [String], in dir: URL, env: [String: String] = [:]) throws -> (Int32, String, String) {
        let tag = "cmd-\(UUID().uuidString.prefix(8))"
        let p = try start(args, in: dir, tag: tag, env: env)
        p.waitUntilExit()
        let out = (try? String(contentsOf: dir.appendingPathComponent("\(tag).out"), encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: dir.appendingPathComponent("\(tag).err"), encoding: .utf8)) ?? ""
        return (p.terminationStatus, out, err)
    }

    static func tempDir(_ name: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("platflow-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Polls `condition` every 50 ms until it holds (true) or `seconds` pass (false). Tests that must act at a
    /// given point of a run (kill it in the middle of a step) wait for that point: a fixed sleep is too short on
    /// a loaded machine and wasted on a quiet one.
    static func waitUntil(seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    /// The newest run's `status --json` document; nil while the database has no run.
    static func newestRunStatus(db: String, in dir: URL) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: db), let id = try newestRunID(db: db, in: dir) else { return nil }
        let (_, out, _) = try run(["status", id, "--json", "--db", db], in: dir)
        return (try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [String: Any]
    }

    /// Waits until the newest run has started the step at `path` (`main/nap`); false after `seconds`.
    static func waitForStep(_ path: String, db: String, in dir: URL, seconds: Double = 30) throws -> Bool {
        try waitUntil(seconds: seconds) {
            let steps = try newestRunStatus(db: db, in: dir)?["steps"] as? [[String: Any]] ?? []
            return steps.contains { $0["path"] as? String == path }
        }
    }

    /// The newest run's id in the database.
    static func newestRunID(db: String, in dir: URL) throws -> String? {
        let (_, out, _) = try run(["runs", "--json", "--db", db], in: dir)
        guard let data = out.data(using: .utf8), let arr = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            return nil
        }
        return arr.first?["id"] as? String
    }
}

