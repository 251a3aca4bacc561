import Foundation
import PlatLang

/// An independent check of rendered manifests: `kubernetes-validate` (PyPI), which holds each manifest
/// against the OpenAPI schemas of a Kubernetes release, offline, with `--strict` (unknown fields refused).
///
/// It lives in a virtual environment under `.build/kubernetes-validate-venv`, made on first use from Debian's
/// python3 with its system packages (scripts/setup.sh installs python3-venv, python3-yaml and
/// python3-jsonschema), so only kubernetes-validate itself comes from PyPI: version 1.28.0, the last whose
/// dependencies are just PyYAML and jsonschema, pinned by its SHA-256. pip first tries PyPI with the
/// machine's certificates; where those do not cover a TLS-intercepting proxy (a fresh chroot, seen here),
/// it retries with PyPI's hosts trusted, which is safe because pip refuses a download whose hash differs.
/// PLATFLOW_KUBERNETES_VALIDATE names another kubernetes-validate executable. When none can be had, `shared`
/// throws and the tests that need it fail, loudly, rather than skip.
final class KubernetesValidateOracle: @unchecked Sendable {
    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    static let version = "1.28.0"
    static let sha256 = "a248ff8e00f92c655b2b42aa259e663aee78d2061e2d7b96da51b678ee9b08d6"
    /// The newest Kubernetes release whose schemas 1.28.0 carries.
    static let kubernetesVersion = "1.28.0"

    let executable: String

    static let shared: Result<KubernetesValidateOracle, Error> = {
        do { return .success(try setUp()) } catch { return .failure(error) }
    }()

    private init(executable: String) { self.executable = executable }

    private static func setUp() throws -> KubernetesValidateOracle {
        let fm = FileManager.default
        if let given = ProcessInfo.processInfo.environment["PLATFLOW_KUBERNETES_VALIDATE"] {
            guard fm.isExecutableFile(atPath: given) else { throw SetupError(description: "PLATFLOW_KUBERNETES_VALIDATE=\(given) is not an executable") }
            return KubernetesValidateOracle(executable: given)
        }
        let venv = ChartScratch.packageRoot.appendingPathComponent(".build/kubernetes-validate-venv")
        let tool = venv.appendingPathComponent("bin/kubernetes-validate").path
        if fm.isExecutableFile(atPath: tool), (try? run(tool, ["--version"]))?.status == 0 {
            return KubernetesValidateOracle(executable: tool)
        }
        let python = "/usr/bin/python3"
        guard fm.isExecutableFile(atPath: python),
              (try? run(python, ["-c", "import yaml, jsonschema, venv"]))?.status == 0 else {
            throw SetupError(description: "kubernetes-validate needs Debian's python3 with python3-yaml, python3-jsonschema and "
                + "python3-venv: run scripts/setup.sh (as root it installs them)")
        }
        try? fm.removeItem(at: venv)
        let made = try run(python, ["-m", "venv", "--system-site-packages", venv.path])
        guard made.status == 0 else {
            throw SetupError(description: "cannot make \(venv.path) with `python3 -m venv`: \(made.output)")
        }
        let requirements = venv.appendingPathComponent("requirements.txt")
        try "kubernetes-validate==\(version) --hash=sha256:\(sha256)\n".write(to: requirements, atomically: true, encoding: .utf8)
        let pip = venv.appendingPathComponent("bin/pip").path
        let install = ["install", "--quiet", "--disable-pip-version-check", "--no-deps", "--require-hashes", "-r", requirements.path]
        var result = try run(pip, install)
        if result.status != 0 && (result.output.contains("CERTIFICATE") || result.output.contains("SSL")) {
            result = try run(pip, install + ["--trusted-host", "pypi.org", "--trusted-host", "files.pythonhosted.org"])
        }
        guard result.status == 0, fm.isExecutableFile(atPath: tool) else {
            throw SetupError(description: "cannot install kubernetes-validate \(version) from PyPI into \(venv.path): \(result.output)")
        }
        return KubernetesValidateOracle(executable: tool)
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw SetupError(description: "cannot run \(executable): \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The failures kubernetes-validate reports for these YAML documents (one per manifest it refuses), and
    /// how many it passed. Throws when the tool itself cannot run.
    func validate(yaml: String) throws -> (failures: [String], passed: Int) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("manifests-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Self.run(executable, ["--strict", "-k", Self.kubernetesVersion, file.path])
        let lines = r.output.split(separator: "\n").map(String.init)
        let failures = lines.filter { $0.hasPrefix("ERROR") || $0.hasPrefix("CRITICAL") || $0.hasPrefix("Traceback") }
        let passed = lines.filter { $0.hasPrefix("INFO") && $0.contains(" passed ") }.count
        if r.status != 0 && failures.isEmpty {
            throw SetupError(description: "kubernetes-validate failed without saying why: \(r.output)")
        }
        return (failures, passed)
    }
}
