import Foundation
import Testing
import PlatLang
@testable import PlatContainers

/// Values merging (Helm's rules) and the `--set` syntax.
@Suite struct ChartValuesTests {
    func yaml(_ text: String) throws -> Value { try YAML.decode(text) }

    @Test func mapsMergeKeyByKeyListsAndScalarsAreReplacedWhole() throws {
        let base = try yaml("""
            image: {repository: web, tag: "1"}
            hosts: [a, b, c]
            replicas: 2
            env: {A: x}
            """)
        let override = try yaml("""
            image: {tag: "2"}
            hosts: [z]
            env: y
            extra: {k: v}
            """)
        let merged = ChartValues.merge(base, override)
        #expect(merged == (try yaml("""
            image: {repository: web, tag: "2"}
            hosts: [z]
            replicas: 2
            env: y
            extra: {k: v}
            """)))
        // The base is a value: merging never changes it.
        #expect(base.member("image")?.member("tag") == .string("1"))
    }

    @Test func nullRemovesAKeyAndLaterFilesWin() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("values-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.yaml").path, b = dir.appendingPathComponent("b.yaml").path
        try "replicas: 3\nresources: {limits: {cpu: 1}}\n".write(toFile: a, atomically: true, encoding: .utf8)
        try "replicas: 5\nresources: null\n".write(toFile: b, atomically: true, encoding: .utf8)
        let defaults = try yaml("replicas: 1\nresources: {requests: {cpu: 0.1}}\nname: web\n")
        let values = try ChartValues.resolve(defaults: defaults, files: [a, b], sets: [])
        #expect(values == (try yaml("replicas: 5\nname: web\n")))
        let reversed = try ChartValues.resolve(defaults: defaults, files: [b, a], sets: [])
        #expect(reversed == (try yaml("replicas: 3\nname: web\nresources: {limits: {cpu: 1}}\n")))
    }

    @Test func badValuesFilesNameTheirPlace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("values-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "replicas: 2\nimage: [a\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect { try ChartValues.load(file: bad) } throws: { e in
            "\(e)".contains("bad.yaml:2:8: unterminated flow sequence")
        }
        let list = dir.appendingPathComponent("list.yaml").path
        try "- a\n- b\n".write(toFile: list, atomically: true, encoding: .utf8)
        #expect { try ChartValues.load(file: list) } throws: { e in "\(e)".contains("list.yaml:1:1: values file holds a list, not a mapping") }
        #expect { try ChartValues.load(file: dir.appendingPathComponent("none.yaml").path) } throws: { e in
            "\(e)".contains("cannot read values file") && "\(e)".contains("no such file")
        }
        let empty = dir.appendingPathComponent("empty.yaml").path
        try "# nothing\n".write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(try ChartValues.load(file: empty) == .map(MapStorage()))
    }

    func set(_ arg: String, asStrings: Bool = false, into base: Value = .map(MapStorage())) throws -> Value {
        var v = base
        for a in try SetAssignment.parse(arg, asStrings: asStrings) { v = try a.apply(to: v) }
        return v
    }

    @Test("--set types values as Helm does", arguments: [
        ("a=true", Value.bool(true)), ("a=FALSE", .bool(false)), ("a=12", .int(12)), ("a=-7", .int(-7)), ("a=0", .int(0)),
        ("a=007", .string("007")), ("a=1.5", .string("1.5")), ("a=1e3", .string("1e3")), ("a=", .string("")),
        ("a=web", .string("web")), ("a=x=y", .string("x=y")), ("a=+5", .string("+5")),
    ])
    func typedScalars(_ arg: String, _ expected: Value) throws {
        let v = try set(arg)
        #expect(v.member("a") == expected)
        if case .int = expected { #expect(try set(arg, asStrings: true).member("a") == .string(String(arg.dropFirst(2)))) }
    }

    @Test func pathsListsAndSeveralAssignmentsInOneArgument() throws {
        #expect(try set("image.tag=1.2,replicas=3") == (try yaml("image: {tag: '1.2'}\nreplicas: 3\n")))
        #expect(try set("servers[1].port=80") == (try yaml("servers: [null, {port: 80}]\n")))
        #expect(try set("m[0][1]=x") == (try yaml("m: [[null, x]]\n")))
        #expect(try set("args={-v,--port,80}") == (try yaml("args: [-v, --port, 80]\n")))
        #expect(try set("args={}") == (try yaml("args: []\n")))
        #expect(try set("args={a,b},n=1") == (try yaml("args: [a, b]\nn: 1\n")))
        #expect(try set("labels.app\\.kubernetes\\.io/name=web") == (try yaml("labels: {app.kubernetes.io/name: web}\n")))
        #expect(try set("msg=a\\,b") == (try yaml("msg: 'a,b'\n")))
    }

    @Test func setEditsTheMergedValuesInPlace() throws {
        let base = try yaml("servers: [{host: a, port: 1}, {host: b, port: 2}]\nimage: {repository: web, tag: '1'}\nenv: {A: x}\n")
        #expect(try set("servers[0].port=80", into: base).member("servers") == (try yaml("[{host: a, port: 80}, {host: b, port: 2}]")))
        #expect(try set("image.tag=2", into: base).member("image") == (try yaml("{repository: web, tag: 2}")))
        // null removes the key; a scalar where a map was is replaced by the new path.
        #expect(try set("env=null", into: base).member("env") == nil)
        #expect(try set("image=x", into: base).member("image") == .string("x"))
        #expect(try set("image.tag.major=1", into: try yaml("image: {tag: '1'}")) == (try yaml("image: {tag: {major: 1}}")))
    }

    @Test("bad --set arguments are refused with what is wrong", arguments: [
        ("a", "'a' has no value"), ("a.b", "'a.b' has no value"), ("a=1,b", "'b' has no value"), ("", "an assignment is empty"),
        ("a..b=1", "empty part"), (".a=1", "empty part"), ("=1", "has no key"), ("[0]=1", "starts with '['"),
        ("a[x]=1", "list index '[x]' is not a whole number"), ("a[-1]=1", "list index '[-1]'"), ("a[1=2", "is not closed"),
        ("a[99999999]=1", "larger than 65536"), ("a={x,y", "not closed with '}'"), ("a={x}y", "after '}'"), ("a[0]b=1", "after ']'"),
        ("a,b=1", "'a' has no value"),
    ])
    func refusals(_ arg: String, _ fragment: String) {
        #expect { try SetAssignment.parse(arg) } throws: { e in
            let text = "\(e)"
            return text.contains(fragment) && text.contains("--set \"\(arg)\"")
        }
    }
}
