import Foundation
@testable import PlatEngine
import Testing

/// The record of an in-flight command's process group finds that group after a crash, and never a group
/// that merely reuses its id.
@Suite("orphaned process groups")
struct OrphanedGroupTests {
    /// A `sleep` leading a process group of its own, as ProcessRunner starts commands.
    final class Group {
        let pid: pid_t
        init() throws {
            var attrs = posix_spawnattr_t()
            posix_spawnattr_init(&attrs)
            defer { posix_spawnattr_destroy(&attrs) }
            posix_spawnattr_setflags(&attrs, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attrs, 0)
            let words: [String] = ["/bin/sleep", "30"]
            var args: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
            args.append(nil)
            defer { args.forEach { free($0) } }
            var pid: pid_t = 0
            guard posix_spawn(&pid, "/bin/sleep", nil, &attrs, args, environ) == 0 else { throw HarnessFailure() }
            self.pid = pid
        }
        var isRunning: Bool {
            guard let st = ProcStat(pid: pid) else { return false }
            return st.state != "Z"
        }
        func end() {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    struct HarnessFailure: Error {}

    @Test("a group whose id now belongs to a process started at another time is left alone")
    func reusedIDLeftAlone() throws {
        let p = try Group()
        defer { p.end() }
        let real = try #require(OrphanedGroup.of(leader: p.pid))
        let stale = OrphanedGroup(processGroup: real.processGroup, leaderStart: real.leaderStart + 1)
        #expect(stale.members().isEmpty)
        #expect(stale.stop(grace: 0.2) == 0)
        #expect(p.isRunning)
    }

    @Test("the recorded group is found and stopped; its record survives the journal's text form")
    func recordedGroupStopped() throws {
        let p = try Group()
        defer { p.end() }
        let real = try #require(OrphanedGroup.of(leader: p.pid))
        let reread = try #require(OrphanedGroup(recordText: real.recordText))
        #expect(reread == real)
        #expect(reread.members() == [p.pid])
        #expect(reread.stop(grace: 2) == 1)
        #expect(!p.isRunning)
        #expect(reread.members().isEmpty)
    }
}
