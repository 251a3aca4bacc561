import Foundation
import PlatEngine
import PlatLang
import PlatStore
import Testing

/// The one `where` filter of event subscriptions (containers, gateway and release events use it).
@Suite("event filter")
struct EventFilterTests {
    static let fields = ["app", "env", "action", "class"]

    func event(_ pairs: [(String, String)]) -> Value {
        .makeMap(pairs.map { ($0.0, Value.string($0.1)) })
    }

    var events: [Value] {
        [event([("app", "web"), ("env", "prod"), ("action", "deployed")]),
         event([("app", "web"), ("env", "test"), ("action", "failed")]),
         event([("app", "docs"), ("env", "prod"), ("action", "stopped")]),
         .makeMap([("app", .string("api")), ("env", .null), ("action", .int(3))])]
    }

    /// The apps of the events the filter passes, in order.
    func apps(_ filter: String) throws -> [String] {
        let f = try EventFilter(filter, event: "test.event", fields: Self.fields)
        return events.filter(f.matches).map { e in
            guard case .map(let m) = e, case .string(let s)? = m.get(.string("app")) else { return "?" }
            return s + (m.get(.string("env")).map { v in if case .string(let s) = v { return "/" + s }; return "" } ?? "")
        }
    }

    @Test("comparisons, and, or, not, in, parentheses", arguments: [
        (#"env == "prod""#, ["web/prod", "docs/prod"]),
        (#"env != 'prod'"#, ["web/test", "api"]),
        (#"env == "prod" and app != "docs""#, ["web/prod"]),
        (#"env == "prod" && app != "docs""#, ["web/prod"]),
        (#"app == "docs" or env == "test""#, ["web/test", "docs/prod"]),
        (#"app == "docs" || env == "test""#, ["web/test", "docs/prod"]),
        (#"not env == "prod""#, ["web/test", "api"]),
        (#"!(env == "prod")"#, ["web/test", "api"]),
        (#"action in ["failed", "stopped"]"#, ["web/test", "docs/prod"]),
        (#"action not in ["failed", "stopped",]"#, ["web/prod", "api"]),
        // and binds tighter than or; parentheses change that.
        (#"app == "docs" or app == "web" and env == "test""#, ["web/test", "docs/prod"]),
        (#"(app == "docs" or app == "web") and env == "test""#, ["web/test"]),
        (#"NOT app == "web" AND env == "prod""#, ["docs/prod"]),
        // A field that is missing or not a string reads as "".
        (#"env == "" and action == """#, ["api"]),
        // Quotes and the words of the language inside strings are text.
        (#"app == "a \"b\" and c" or app == 'web'"#, ["web/prod", "web/test"]),
    ])
    func matches(filter: String, expected: [String]) throws {
        #expect(try apps(filter) == expected)
    }

    @Test("a bad filter names the event, the problem and its column, shows a caret, and hints", arguments: [
        (#"env == "prod" and ap == "web""#, "unknown field 'ap' (filter column 19)", 18, "did you mean 'app'?"),
        (#"env == prod"#, "compare env with a quoted string, got 'prod' (filter column 8)", 7, #"env == "prod""#),
        (#"env = "prod""#, "a single = after env (filter column 5)", 4, #"compare with ==: env == "prod""#),
        (#"env == "prod" app == "web""#, "expected and, or or the end of the filter, got 'app' (filter column 15)", 14, nil),
        (#"(env == "prod""#, "expected ) to close the ( at column 1, got the end of the filter (filter column 15)", 14, "close each ( with a )"),
        (#"env in "prod""#, "expected [ after in, got the string \"prod\" (filter column 8)", 7, #"env in ["a", "b"]"#),
        (#"env in ["a" "b"]"#, "expected , or ] in the list, got the string \"b\" (filter column 13)", 12, nil),
        (#"env == "prod"#, "the string has no closing \" (filter column 8)", 7, nil),
        (#"env == "x" and"#, "expected a field name, got the end of the filter (filter column 15)", 14, nil),
        (#"env ~ "x""#, "unexpected '~' (filter column 5)", 4, nil),
    ])
    func errors(filter: String, message: String, caret: Int, hint: String?) {
        do {
            _ = try EventFilter(filter, event: "test.event", fields: Self.fields)
            Issue.record("no error for \(filter)")
        } catch let e as RuntimeError {
            let lines = e.message.components(separatedBy: "\n")
            #expect(lines.first == "test.event filter: " + message)
            #expect(lines.dropFirst().first == "    " + filter)
            #expect(lines.dropFirst(2).first == "    " + String(repeating: " ", count: caret) + "^")
            if let hint { #expect(e.hint == hint) } else { #expect(e.hint != nil) }
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("long chains match; nesting deeper than the limit is refused, not a crash")
    func depth() throws {
        let chain = (0..<5_000).map { #"app == "x\#($0)""# }.joined(separator: " or ") + #" or app == "docs""#
        #expect(try apps(chain) == ["docs/prod"])
        let deep = String(repeating: "not ", count: 64) + #"app == "web""#
        #expect(try apps(deep) == ["web/prod", "web/test"])
        #expect(throws: RuntimeError.self) {
            try EventFilter(String(repeating: "(", count: 100_000) + #"app == "web""#, event: "test.event", fields: Self.fields)
        }
        #expect(throws: RuntimeError.self) {
            try EventFilter("not " + deep, event: "test.event", fields: Self.fields)
        }
    }

    @Test("an empty filter is refused with an example")
    func empty() {
        #expect(throws: RuntimeError.self) { try EventFilter("  ", event: "test.event", fields: Self.fields) }
        do {
            _ = try EventFilter("", event: "test.event", fields: Self.fields)
        } catch let e as RuntimeError {
            #expect(e.message == "test.event filter: the filter is empty (filter column 1)")
            #expect(e.hint == #"app == "prod" and env != "docs""#)
        } catch { Issue.record("\(error)") }
    }

    /// A source that only names its fields gets matching and validation.
    struct Source: FieldFilteredEventSource {
        let event = "test.event"
        let filterFields = EventFilterTests.fields
        func latestCursor(db: Database) throws -> Int64 { 0 }
        func events(db: Database, after cursor: Int64, limit: Int) throws -> [(cursor: Int64, value: Value)] { [] }
    }

    @Test("a field-filtered event source matches by cursor and validates")
    func source() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("event-filter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Database(path: dir.appendingPathComponent("t.db").path)
        let numbered = events.enumerated().map { (cursor: Int64($0.offset + 10), value: $0.element) }
        #expect(try Source().matching(db: db, filter: nil, events: numbered) == [10, 11, 12, 13])
        #expect(try Source().matching(db: db, filter: #"env == "prod""#, events: numbered) == [10, 12])
        #expect(throws: RuntimeError.self) { try Source().validate(filter: #"colour == "red""#, db: db) }
        try Source().validate(filter: #"class in ["production"]"#, db: db)
    }
}
