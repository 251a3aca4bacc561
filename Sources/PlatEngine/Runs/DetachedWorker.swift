import Foundation

/// Starts `platflow resume RUN --worker` as a background process of its own session, so a detached run
/// (or one an approval just released) goes on after the command that started it returns.
public enum DetachedWorker {
    public static func spawn(runID: String, dbPath: String) throws {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let args = [exe, "resume", runID, "--worker", "--quiet", "--db", dbPath]
        var attrs = posix_spawnattr_t()
        posix_spawnattr_init(&attrs)
        defer { posix_spawnattr_destroy(&attrs) }
        // POSIX_SPAWN_SETSID: a session of its own, so the terminal's Ctrl-C does not reach it.
        posix_spawnattr_setflags(&attrs, Int16(0x80))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cargs = args.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, &attrs, cargs, environ)
        if rc != 0 {
            throw EngineError(.failed, "could not start a background worker for run \(runID): \(String(cString: strerror(rc)))")
        }
    }
}
