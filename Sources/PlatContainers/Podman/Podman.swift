import Foundation
import PlatEngine
import PlatJobs

/// Drives one node's podman as an external program (as the job platform drives OpenSSH): every call is one
/// `podman` process with the node's storage options, machine-readable answers come from `--format json`.
///
/// The program is `podman` on PATH, or the command line in PLATFLOW_PODMAN (words split on spaces: a wrapper
/// script that, say, enters a mount namespace first). For a remote node the same podman command line runs on
/// the host through `ssh` with the host's options (`SSHTransport.sshArguments`).
///
/// Safe to use from many threads at once: it holds no state beyond its configuration.
public struct Podman: Sendable {
    public let endpoint: PodmanEndpoint
    /// The podman command's leading words (`["podman"]`, or PLATFLOW_PODMAN split on spaces).
    public let program: [String]
    /// The environment podman runs with (CONTAINERS_CONF added for local nodes).
    private let environment: [String: String]

    /// The variable that replaces the `podman` program (tests route podman through a wrapper with it).
    public static let programVariable = "PLATFLOW_PODMAN"

    public init(endpoint: PodmanEndpoint, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.endpoint = endpoint
        let configured = environment[Self.programVariable]?.split(separator: " ").map(String.init) ?? []
        self.program = configured.isEmpty ? ["podman"] : configured
        var env = environment
        if case .local(let storage) = endpoint {
            env["CONTAINERS_CONF"] = storage.configFile
        }
        self.environment = env
    }

    /// A podman on this machine confined to `storage`.
    public static func local(_ storage: NodeStorage,
                             environment: [String: String] = ProcessInfo.processInfo.environment) -> Podman {
        Podman(endpoint: .local(storage), environment: environment)
    }

    /// The full argv for podman `arguments` on this endpoint.
    public func commandLine(_ arguments: [String]) -> [String] {
        switch endpoint {
        case .local(let storage):
            return program + storage.globalArguments + arguments
        case .remote(let host):
            let remote = ShellQuote.join(program + arguments)
            return Transports.ssh.sshArguments(for: host) + [remote]
        }
    }

    /// Runs podman with `arguments` and returns how it ended (a non-zero exit is returned, not thrown); throws
    /// when podman (or ssh) cannot be started.
    public func execute(_ arguments: [String], stdin: [UInt8]? = nil, timeout: Double? = nil) throws -> ProcessResult {
        if case .remote(let host) = endpoint { try SSHTransport.validate(host) }
        let argv = commandLine(arguments)
        do {
            return try ProcessRunner.run(ProcessSpec(arguments: argv, environment: environment, stdin: stdin,
                                                     timeout: timeout, outputCap: 64 << 20))
        } catch let error as ProcessRunnerError {
            if case .notFound = error {
                throw PodmanError("\(argv[0]) is not installed on this machine (needed to run containers)",
                                  hint: argv[0] == "podman"
                                      ? "install podman and runc (apt-get install podman runc catatonit), or set \(Self.programVariable)"
                                      : "check \(Self.programVariable) or install ssh")
            }
            throw PodmanError("cannot start \(argv[0]): \(error.message)", hint: error.hint)
        }
    }

    /// Runs podman and returns its stdout; a non-zero exit throws a `PodmanError` with podman's own message.
    @discardableResult
    public func check(_ arguments: [String], stdin: [UInt8]? = nil, timeout: Double? = nil) throws -> String {
        let result = try execute(arguments, stdin: stdin, timeout: timeout)
        guard result.exitCode == 0 else { throw failure(arguments, result) }
        return result.stdoutText
    }

    /// Runs podman with `--format json` answers and decodes stdout as `T` (an empty answer decodes as `[]` for
    /// lists).
    public func json<T: Decodable>(_ arguments: [String], as type: T.Type) throws -> T {
        let text = try check(arguments)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let data = Data((trimmed.isEmpty || trimmed == "null" ? "[]" : trimmed).utf8)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw PodmanError("podman \(arguments.prefix(2).joined(separator: " ")) answered JSON platflow cannot read: \(error)",
                              hint: "platflow reads podman 4's --format json")
        }
    }

    /// The error for a podman command that failed: its stderr's last meaningful line, and where it ran.
    func failure(_ arguments: [String], _ result: ProcessResult) -> PodmanError {
        let said = result.stderrText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.last.map { String($0) } ?? "exit code \(result.exitCode)"
        let cleaned = said.hasPrefix("Error: ") ? String(said.dropFirst(7)) : said
        let what = arguments.first.map { "podman \($0)" } ?? "podman"
        let place: String
        switch endpoint {
        case .local(let storage): place = "node storage \(storage.folder)"
        case .remote(let host): place = "host \(host.name)"
        }
        if result.timedOut {
            return PodmanError("\(what) timed out on \(place)", exitCode: result.exitCode)
        }
        return PodmanError("\(what) failed on \(place): \(cleaned)", exitCode: result.exitCode)
    }

    /// `podman version`: the server's version text (also proves podman runs on the endpoint).
    public func version() throws -> String {
        struct Answer: Decodable {
            struct Part: Decodable { let Version: String }
            let Client: Part?
            let Server: Part?
        }
        let answer = try json(["version", "--format", "json"], as: Answer.self)
        return answer.Server?.Version ?? answer.Client?.Version ?? "unknown"
    }
}
