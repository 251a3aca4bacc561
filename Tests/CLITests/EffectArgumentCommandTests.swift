import Foundation
import Testing

/// Effects refuse arguments of the wrong type in the words builtins use, with the call's position.
@Suite("effect arguments through platflow run")
struct EffectArgumentCommandTests {
    @Test("a wrong type is refused as a builtin refuses it, here and on hosts",
          arguments: [
            (#"sh("ls", env: [1])"#, "sh() expects a map for 'env', got list"),
            (#"sh(["h1"], "true", throttle: "x")"#, "sh() expects an int for 'throttle', got string"),
            (#"sleep("5s")"#, "sleep() expects a duration for 'duration', got string"),
            (#"approve("ok?", approvers: ["ann", 2])"#, "approve() expects a list of strings for 'approvers', got int at index 1"),
          ])
    func refused(call: String, message: String) throws {
        try CLI.with { cli in
            try cli.write("a.plat", "plan main() {\n    \(call)\n}\n")
            let r = try cli.run(["run", "a.plat"])
            expectExit(r, 1)
            #expect(r.diagnostics.hasPrefix("a.plat:2:"), "\(r)")
            #expect(r.diagnostics.contains(": error: \(message)\n"), "\(r)")
        }
    }
}
