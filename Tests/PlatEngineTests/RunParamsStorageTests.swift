import Foundation
import Testing
@testable import PlatEngine

/// A run's parameters, secret parameter names and `--limit` patterns are stored as JSON text in the runs table
/// (`StringJSON`): they must read back exactly, and rows written by builds that stored them with Codable must
/// read back too.
@Suite struct RunParamsStorageTests {
    func withStore(_ body: (RunStore) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-params-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(try RunStore.open(path: dir.appendingPathComponent("p.db").path, modules: ModuleSet(), durability: .normal))
    }

    @Test("parameters, secret names and limits read back as given, whatever characters they hold")
    func roundTrip() throws {
        try withStore { store in
            let params = ["env": "pr\"od\\", "path": "/srv/a b/", "line": "one\ntwo\tthree", "accent": "café ☕️",
                          "control": "\u{1}\u{1F}", "empty": "", "json": "{\"k\":[1]}"]
            let id = try store.createRun(file: "f.plat", plan: "main", params: params, secretParams: ["token", "b\"key"],
                                         sources: [], startedBy: "me", status: .pending)
            try store.setTargetLimit(id, ["web-*", "db\\1", "é"])
            let run = try #require(try store.run(id))
            #expect(run.params == params)
            #expect(run.secretParams == ["token", "b\"key"])
            #expect(run.targetLimit == ["web-*", "db\\1", "é"])
            // The same parameters give the same text: keys in order.
            let text = try store.db.queryOne("SELECT params FROM engine_runs WHERE id = ?", id)?.string("params")
            #expect(text == StringJSON.encode(params))
            #expect(StringJSON.encode(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#)
        }
    }

    @Test("rows written with JSONEncoder (escaped slashes, \\u escapes) read back; other JSON reads as empty")
    func earlierRows() throws {
        try withStore { store in
            let id = try store.createRun(file: "f.plat", plan: nil, params: [:], secretParams: [], sources: [],
                                         startedBy: "me", status: .pending)
            let encoded = String(decoding: try JSONEncoder().encode(["dir": "/a/b", "e": "é\n\"q\""]), as: UTF8.self)
            try store.db.execute("UPDATE engine_runs SET params = ?, secret_params = ?, target_limit = ? WHERE id = ?",
                                 encoded, #"["a\/b","\u00e9"]"#, "[]", id)
            var run = try #require(try store.run(id))
            #expect(run.params == ["dir": "/a/b", "e": "é\n\"q\""])
            #expect(run.secretParams == ["a/b", "é"])
            #expect(run.targetLimit == [])
            try store.db.execute("UPDATE engine_runs SET params = ?, secret_params = ?, target_limit = NULL WHERE id = ?",
                                 #"{"n":1}"#, "[1]", id)
            run = try #require(try store.run(id))
            #expect(run.params == [:])
            #expect(run.secretParams == [])
            #expect(run.targetLimit == nil)
            #expect(StringJSON.map("not json") == nil)
            #expect(StringJSON.list(#"{"a":"b"}"#) == nil)
        }
    }
}
