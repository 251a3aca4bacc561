import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process group of a command a run had in flight, as recorded when it started: its id and when its
/// leader started (clock ticks since boot, from /proc), so that a later process can tell the group it left
/// behind from an unrelated one that reuses the id.
///
/// After `kill -9` of platflow, its command keeps running. Before a resume runs that command again, the
/// group is found and stopped, so the two never overlap.
public struct OrphanedGroup: Sendable, Equatable {
    public let processGroup: Int32
    public let leaderStart: UInt64

    public init(processGroup: Int32, leaderStart: UInt64) {
        self.processGroup = processGroup
        self.leaderStart = leaderStart
    }

    /// The group led by `pid`, just spawned; nil where /proc cannot tell its start time.
    public static func of(leader pid: Int32) -> OrphanedGroup? {
        guard let stat = ProcStat(pid: pid) else { return nil }
        return OrphanedGroup(processGroup: pid, leaderStart: stat.startTicks)
    }

    /// As kept in a journal entry while its effect is in flight.
    public var recordText: String { "{\"process_group\":\(processGroup),\"leader_start\":\(leaderStart)}" }

    public init?(recordText: String?) {
        guard let data = recordText?.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let g = (obj["process_group"] as? NSNumber)?.int32Value, g > 1,
              let s = (obj["leader_start"] as? NSNumber)?.uint64Value else { return nil }
        self.init(processGroup: g, leaderStart: s)
    }

    /// The processes still in the group. A live process with the group's id that started at another time
    /// than the recorded leader means the id was reused by an unrelated group: then nothing is the group's.
    /// With the leader gone, the processes in the group that started no earlier than it are its own.
    public func members() -> [Int32] {
        if let leader = ProcStat(pid: processGroup), leader.startTicks != leaderStart { return [] }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [Int32] = []
        for e in entries {
            guard let pid = Int32(e), let st = ProcStat(pid: pid), st.processGroup == processGroup,
                  st.state != "Z", st.startTicks >= leaderStart else { continue }
            found.append(pid)
        }
        return found
    }

    /// Stops what is left of the group: SIGTERM, then SIGKILL after `grace` seconds. Returns how many
    /// processes were found (0: the group had ended on its own).
    @discardableResult
    public func stop(grace: Double = 2) -> Int {
        let found = members()
        if found.isEmpty { return 0 }
        _ = killpg(processGroup, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if members().isEmpty { return found.count }
            usleep(50_000)
        }
        _ = killpg(processGroup, SIGKILL)
        let killed = Date().addingTimeInterval(2)
        while Date() < killed && !members().isEmpty { usleep(20_000) }
        return found.count
    }
}

/// The fields of /proc/PID/stat this needs.
struct ProcStat {
    let state: Character
    let processGroup: Int32
    let startTicks: UInt64

    init?(pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After the command name (in parentheses, may hold spaces): state is field 3, pgrp 5, starttime 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let st = fields[0].first, let pg = Int32(fields[2]), let start = UInt64(fields[19]) else {
            return nil
        }
        state = st
        processGroup = pg
        startTicks = start
    }
}
