import Foundation
@testable import PlatLang

/// An independent YAML 1.2 reader to check ours against: ruamel.yaml (`YAML(typ='safe', pure=True)`, which
/// reads YAML 1.2): Debian's python3-ruamel.yaml for /usr/bin/python3 when it is there (scripts/setup.sh
/// installs it), else from PyPI in a virtual environment under `.build/yaml-oracle-venv`, made on first use.
/// When neither can be had, `shared` throws and the tests that need it fail, loudly, rather than skip.
///
/// One Python process reads a whole batch of documents and answers for each with its value as JSON, or the
/// error; non-finite floats come back as `{"$float": "inf" | "-inf" | "nan"}`, non-string keys as their JSON
/// text (`1` → "1", `true` → "true", `null` → "null").
final class YAMLOracle: @unchecked Sendable {
    enum Answer: Equatable {
        case value(Value)
        case error(String)
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    let python: String

    /// The oracle, set up once per test process.
    static let shared: Result<YAMLOracle, Error> = {
        do { return .success(try YAMLOracle.setUp()) } catch { return .failure(error) }
    }()

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private init(python: String) { self.python = python }

    private static func setUp() throws -> YAMLOracle {
        // Debian's python3-ruamel.yaml (scripts/setup.sh installs it) needs no network when the tests run.
        let system = "/usr/bin/python3"
        if FileManager.default.isExecutableFile(atPath: system),
           (try? run(system, ["-c", "import ruamel.yaml"]))?.status == 0 {
            return YAMLOracle(python: system)
        }
        let venv = packageRoot.appendingPathComponent(".build/yaml-oracle-venv")
        let python = venv.appendingPathComponent("bin/python").path
        if FileManager.default.isExecutableFile(atPath: python),
           (try? run(python, ["-c", "import ruamel.yaml"]))?.status == 0 {
            return YAMLOracle(python: python)
        }
        let made = try run("/usr/bin/env", ["python3", "-m", "venv", venv.path])
        guard made.status == 0 else {
            throw SetupError(description: "cannot make the oracle venv at \(venv.path) with `python3 -m venv`: \(made.output)")
        }
        let pip = try run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "ruamel.yaml"])
        guard pip.status == 0 else {
            throw SetupError(description: "cannot install ruamel.yaml from PyPI into \(venv.path): \(pip.output)")
        }
        return YAMLOracle(python: python)
    }

    private static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = inPipe
        do { try p.run() } catch { throw SetupError(description: "cannot run \(executable): \(error)") }
        // Write on another thread so a large input and a large output cannot block each other.
        let writer = Thread {
            if let input { inPipe.fileHandleForWriting.write(input) }
            try? inPipe.fileHandleForWriting.close()
        }
        writer.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let script = #"""
import sys, json, math
from ruamel.yaml import YAML
y = YAML(typ='safe', pure=True)

def plain(v):
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        if math.isnan(v): return {"$float": "nan"}
        if math.isinf(v): return {"$float": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k if isinstance(k, str) else json.dumps(k): plain(x) for k, x in v.items()}
    raise TypeError("unexpected " + type(v).__name__)

docs = json.load(sys.stdin)
answers = []
for text in docs:
    try:
        answers.append({"value": plain(y.load(text))})
    except Exception as e:
        answers.append({"error": type(e).__name__ + ": " + str(e).replace("\n", " ")[:300]})
json.dump(answers, sys.stdout)
"""#

    /// ruamel's reading of each text, in one Python process.
    func read(_ texts: [String]) throws -> [Answer] {
        let input = try JSON.encode(.list(texts.map { .string($0) }))
        let result = try Self.run(python, ["-c", Self.script], input: Data(input.utf8))
        guard result.status == 0 else { throw SetupError(description: "the oracle script failed: \(result.output)") }
        guard case .list(let answers) = try JSON.decode(result.output), answers.count == texts.count else {
            throw SetupError(description: "the oracle answered something else: \(result.output.prefix(500))")
        }
        return answers.map { a in
            if case .map(let m) = a, let v = m.get(.string("value")) { return .value(v) }
            if case .map(let m) = a, case .string(let e)? = m.get(.string("error")) { return .error(e) }
            return .error("unreadable answer \(a.repr)")
        }
    }

    /// Our value in the oracle's shape: non-finite floats as `{"$float": ...}`.
    static func comparable(_ v: Value) -> Value {
        switch v {
        case .float(let d) where !d.isFinite:
            return .makeMap([("$float", .string(d.isNaN ? "nan" : d < 0 ? "-inf" : "inf"))])
        case .list(let xs): return .list(xs.map(comparable))
        case .map(let m):
            let out = MapStorage()
            for (k, x) in m.pairs { out.set(k, comparable(x)) }
            return .map(out)
        default: return v
        }
    }

    /// Equal in type (an int is not a float), order (of map keys) and value; nan equals nan.
    static func strictlyEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.float(x), .float(y)): return x == y || x.isNaN && y.isNaN
        case let (.string(x), .string(y)): return x == y
        case let (.list(x), .list(y)):
            return x.count == y.count && zip(x, y).allSatisfy { strictlyEqual($0, $1) }
        case let (.map(x), .map(y)):
            let px = x.pairs, py = y.pairs
            return px.count == py.count && zip(px, py).allSatisfy { $0.0 == $1.0 && strictlyEqual($0.1, $1.1) }
        default: return false
        }
    }
}
