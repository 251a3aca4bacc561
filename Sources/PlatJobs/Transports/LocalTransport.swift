import Foundation
import PlatEngine
import PlatLang
#if canImport(Glibc)
import Glibc
#endif

/// Runs scripts on this machine: for the real machine (`localhost`) or for a simulated host, whose root folder
/// stands in for its file system. Files: `LocalTransport+Files.swift` (uploads confined beneath a simulated
/// host's root).
///
/// Real machine: the working directory is platflow's own; the environment is platflow's (less any inherited
/// `PLATFLOW_VAR_*`) plus the script variables (see `ScriptEnvironment`), with `PLATFLOW_HOST_ROOT=/`.
///
/// Simulated host: the root folder is created when missing (one `stat` per run when it exists, so hundreds of
/// hosts stay cheap); the script starts in it, with `HOME` and `PWD` set to it and `PLATFLOW_HOST_ROOT` naming
/// it. Nothing else is rebased: scripts meant for simulated fleets use `$PLATFLOW_HOST_ROOT`. Where bubblewrap
/// works, the script is confined (`HostConfinement`): everything outside its root and the temporary folder is
/// read-only to it; elsewhere an absolute path reaches this machine. One exception: an absolute `sqlite:` path
/// is taken under the root, so each simulated host has its own database.
///
/// Errors: `RuntimeError` for what the job or host asks that cannot be done (bat here, a missing pwsh or
/// database client, bad variable names); `ProcessRunnerError` when the interpreter cannot be started (its
/// `notFound` hint names the Debian package to install).
public struct LocalTransport: HostTransport {
    public init() {}

    /// Work a fan-out does once for all its hosts (`ScriptJob.localPlan`); `run` makes one itself otherwise.
    public static func plan(for job: ScriptJob) throws -> LocalLaunchPlan { try LocalLaunchPlan(job) }

    public func run(_ job: ScriptJob, on host: Host) throws -> ProcessResult {
        guard host.transport == .local else {
            throw RuntimeError("host \(host.name) uses the \(host.transport.rawValue) transport, not local",
                               hint: "TransportRegistry.transport(for:) picks the right one")
        }
        if job.language == .bat {
            let why = host.isWindows ? "host \(host.name) is marked Windows, but local hosts run on this machine"
                : "this machine is not Windows"
            throw RuntimeError("bat scripts run only on Windows hosts: \(why)",
                               hint: "use bash or sh here, or run bat on a Windows host over ssh")
        }
        let plan = try job.localPlan.flatMap { $0.fits(job) ? $0 : nil } ?? LocalLaunchPlan(job)

        var job = job
        // On top of the plan's environment (this process's, less inherited `PLATFLOW_VAR_*`, and the job's
        // `env`): what differs from host to host. The job's `env` still wins over HOME, PWD and the host's
        // variables, as `ScriptEnvironment` orders them.
        var overlay: [String: String] = [:]
        var workingDirectory: String? = nil
        let rootShown: String
        if let root = host.root {
            let absolute = root.hasPrefix("/") ? root : plan.currentDirectory + "/" + root
            try Self.ensureDirectory(absolute, host: host.name)
            workingDirectory = absolute
            if job.env["HOME"] == nil { overlay["HOME"] = absolute }
            if job.env["PWD"] == nil { overlay["PWD"] = absolute }
            rootShown = absolute
            if job.language == .sql, case .sqlite(let path)? = try? LanguageRunner.parseConnection(job.connection),
               path.hasPrefix("/") {
                job.connection = "sqlite:" + absolute + path
            }
        } else {
            rootShown = "/"
        }

        if job.become {
            throw RuntimeError("become: true runs scripts through sudo on SSH hosts; \(host.name) is \(host.isThisMachine ? "this machine" : "a simulated host")",
                               hint: "give the host transport: \"ssh\", or leave become out")
        }
        let launch = try LanguageRunner.launch(for: job)
        for (k, v) in ScriptEnvironment.hostVariables(host) where job.env[k] == nil { overlay[k] = v }
        overlay["PLATFLOW_HOST"] = host.name
        overlay["PLATFLOW_HOST_ROOT"] = rootShown
        for (k, v) in launch.environment { overlay[k] = v }

        if launch.checkBeforeRunning {
            let path = overlay["PATH"] ?? plan.path ?? "/usr/local/bin:/usr/bin:/bin"
            if Self.find(launch.program, searchPath: path) == nil {
                let what = job.language == .powershell ? "powershell scripts" : "sql scripts on this connection"
                throw RuntimeError("\(what) need \(launch.program), which is not installed here",
                                   hint: "install \(launch.install)")
            }
        }

        // A simulated host's script sees this machine read-only except its own folder (HostConfinement).
        let arguments = workingDirectory.map { HostConfinement.wrap(launch.arguments, root: $0) } ?? launch.arguments
        var spec = ProcessSpec(arguments: arguments, environment: overlay,
                               workingDirectory: workingDirectory, stdin: plan.scriptBytes,
                               timeout: job.timeout, outputCap: job.outputCap, owner: job.owner)
        spec.template = plan.template
        spec.onOutput = job.onOutput
        return try HostConfinement.run(spec)
    }

    /// Creates a simulated host's root (and its parents) unless it is already a directory.
    static func ensureDirectory(_ path: String, host: String) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw RuntimeError("the root of simulated host \(host) (\(path)) exists but is not a folder")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError("cannot create the root of simulated host \(host) (\(path)): \(error.localizedDescription)")
        }
    }

    /// The full path of an executable `name` on `searchPath`, like `execvp` looks it up; nil if none.
    static func find(_ name: String, searchPath: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for entry in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let dir = entry.isEmpty ? "." : String(entry)
            let candidate = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}

/// What every host of a fan-out shares when its script runs on this machine, worked out once: the job's
/// variables checked, the environment (this process's, less inherited `PLATFLOW_VAR_*`, plus the job's `env`)
/// converted for the spawn, the interpreter's path remembered (`SpawnTemplate`), the script's bytes. Per host
/// there remains only what differs: its folder, HOME, PWD, `PLATFLOW_HOST*` and its variables.
/// Made from one job: `run` uses it only for a job with the same script, arguments and `env` (`fits`).
public final class LocalLaunchPlan: Sendable {
    let template: SpawnTemplate
    let scriptBytes: [UInt8]
    /// The environment's PATH, if it has one.
    let path: String?
    /// Where relative simulated roots start (platflow's working directory when the plan was made).
    let currentDirectory: String
    private let script: String
    private let env: [String: String]
    private let args: [String]

    init(_ job: ScriptJob) throws {
        try ScriptEnvironment.validate(job)
        var environment = ProcessInfo.processInfo.environment
        // Host variables come from this host only, not from a platflow that itself runs inside a script step.
        for key in environment.keys where key.hasPrefix("PLATFLOW_VAR_") { environment.removeValue(forKey: key) }
        for (k, v) in job.env { environment[k] = v }
        template = try SpawnTemplate(environment: environment)
        path = environment["PATH"]
        scriptBytes = Array(job.script.utf8)
        currentDirectory = FileManager.default.currentDirectoryPath
        script = job.script
        env = job.env
        args = job.args
    }

    /// Whether this plan was made for `job`'s script, arguments and variables.
    func fits(_ job: ScriptJob) -> Bool { job.script == script && job.env == env && job.args == args }
}
