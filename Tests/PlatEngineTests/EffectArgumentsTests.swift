import PlatEngine
import PlatLang
import Testing

/// Effects read their arguments through typed getters that refuse a wrong type as builtins do.
@Suite("effect arguments")
struct EffectArgumentsTests {
    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as RuntimeError { return e.message } catch { return "\(error)" }
        return nil
    }

    let args = EffectArguments(function: "sh", named: [
        ("cmd", .string("ls")), ("env", .list([.int(1)])), ("timeout", .duration(1500)), ("check", .bool(false)),
        ("approvers", .list([.string("ann"), .int(2)])), ("where", .null),
    ])

    @Test("a given argument of the right type comes back typed; an absent one is nil")
    func typed() throws {
        #expect(try args.require("cmd", .string) == "ls")
        #expect(try args.get("timeout", .duration) == 1500)
        #expect(try args.get("check", .bool) == false)
        #expect(try args.get("cwd", .string) == nil)
        #expect(try args.nilAsAbsent.get("where", .string) == nil)
        let env = EffectArguments(function: "sh", named: [("env", Value.makeMap([("A", .string("1")), ("B", .int(2))]))])
        #expect(try env.get("env", .environment) == ["A": "1", "B": "2"])
    }

    @Test("a wrong type is refused in the builtins' words")
    func refusals() {
        #expect(message { _ = try args.get("env", .map) } == "sh() expects a map for 'env', got list")
        #expect(message { _ = try args.get("env", .environment) } == "sh() expects a map for 'env', got list")
        #expect(message { _ = try args.get("cmd", .int) } == "sh() expects an int for 'cmd', got string")
        #expect(message { _ = try args.get("cmd", .duration) } == "sh() expects a duration for 'cmd', got string")
        #expect(message { _ = try args.get("where", .string) } == "sh() expects a string for 'where', got nil")
        #expect(message { _ = try args.get("approvers", .strings) }
                == "sh() expects a list of strings for 'approvers', got int at index 1")
        #expect(message { _ = try args.require("cwd", .string) } == "sh() is missing the argument 'cwd'")
        let intKeys = MapStorage()
        intKeys.set(.int(1), .string("x"))
        let keys = EffectArguments(function: "sh", named: [("env", .map(intKeys))])
        #expect(message { _ = try keys.get("env", .environment) } == "sh() expects string keys in 'env', got int")
    }

    @Test("a hint goes with a refusal")
    func hint() {
        do {
            _ = try args.require("cmd", .duration, hint: "write sleep(5s)")
            Issue.record("no refusal")
        } catch let e as RuntimeError {
            #expect(e.hint == "write sleep(5s)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
