import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line of the process table, from `/proc/PID/stat`.
struct ProcEntry: Equatable {
    let pid: pid_t
    let ppid: pid_t
    let pgid: pid_t
    /// Clock ticks after boot when the process started: with the pid, names a process even after pid reuse.
    let startTime: UInt64
    /// Dead and waiting for its parent to reap it: it holds a pid but runs nothing.
    var isZombie = false
}

/// The process table read from `/proc` (Linux), for finding what a child started outside its process group.
enum ProcessTree {
    /// Every process visible in `/proc`; empty where there is no `/proc`.
    static func snapshot() -> [ProcEntry] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var entries: [ProcEntry] = []
        while let item = readdir(dir) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw -> String in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), pid > 0, let entry = read(pid: pid) else { continue }
            entries.append(entry)
        }
        return entries
    }

    /// Parses `/proc/PID/stat`; nil if the process is gone or the line is malformed.
    static func read(pid: pid_t) -> ProcEntry? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return parse(stat: Array(buffer[0..<n]))
    }

    /// `pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    /// cutime cstime priority nice num_threads itrealvalue starttime ...`; comm may hold spaces and
    /// parentheses, so fields are counted from the last `)`.
    static func parse(stat line: [UInt8]) -> ProcEntry? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let head = String(decoding: line[..<close], as: UTF8.self)
        guard let pidText = head.split(separator: " ").first, let pid = pid_t(pidText) else { return nil }
        let fields = String(decoding: line[(close + 1)...], as: UTF8.self)
            .split(separator: " ", omittingEmptySubsequences: true)
        // After the comm: state is fields[0], ppid [1], pgrp [2], starttime [19].
        guard fields.count > 19, let ppid = pid_t(fields[1]), let pgid = pid_t(fields[2]),
              let start = UInt64(fields[19]) else { return nil }
        let state = fields[0]
        return ProcEntry(pid: pid, ppid: ppid, pgid: pgid, startTime: start, isZombie: state == "Z" || state == "X")
    }

    /// The processes descending from `roots` (not the roots themselves), parents before children.
    static func descendants(of roots: Set<pid_t>, in entries: [ProcEntry]) -> [ProcEntry] {
        var children: [pid_t: [ProcEntry]] = [:]
        for e in entries { children[e.ppid, default: []].append(e) }
        var found: [ProcEntry] = []
        var seen = roots
        var queue = Array(roots)
        var next = 0
        while next < queue.count {
            let parent = queue[next]
            next += 1
            for child in children[parent] ?? [] where !seen.contains(child.pid) {
                seen.insert(child.pid)
                found.append(child)
                queue.append(child.pid)
            }
        }
        return found
    }
}

/// Signals a timed-out child's whole tree: its process group, plus descendants that moved to groups or
/// sessions of their own (`setsid`, shells with job control), which a signal to the group would miss.
///
/// The group is stopped before the process table is read: a shell killed first would die and hand its
/// children to init before we saw them, and a stopped group cannot fork while we look. Every descendant seen
/// is remembered (pid and start time), so the SIGKILL that follows the SIGTERM still reaches processes whose
/// parent died in between.
struct TreeKiller {
    let leader: pid_t
    private var known: [pid_t: UInt64] = [:]

    init(leader: pid_t) { self.leader = leader }

    /// Whether anything of the tree still runs: a live member of the group or a remembered descendant.
    func anyAlive() -> Bool {
        ProcessTree.snapshot().contains { e in
            !e.isZombie && (e.pgid == leader || known[e.pid] == e.startTime)
        }
    }

    mutating func signal(_ sig: Int32) {
        _ = killpg(leader, SIGSTOP)
        let entries = ProcessTree.snapshot()
        var byPid: [pid_t: ProcEntry] = [:]
        for e in entries { byPid[e.pid] = e }
        // A remembered pid whose start time changed now belongs to someone else: forget it.
        known = known.filter { byPid[$0.key]?.startTime == $0.value }
        var roots = Set(known.keys)
        roots.insert(leader)
        for e in ProcessTree.descendants(of: roots, in: entries) { known[e.pid] = e.startTime }
        // Only those outside the group need signals of their own.
        let outside = known.keys.filter { byPid[$0].map { $0.pgid != leader } ?? false }

        _ = killpg(leader, sig)
        // The leader too, in case it moved to another group (until we reap it, its pid cannot be reused).
        _ = kill(leader, sig)
        for pid in outside {
            _ = kill(pid, sig)
            // A descendant that leads its own group: that group is part of the tree too.
            if byPid[pid]?.pgid == pid { _ = killpg(pid, sig) }
        }
        // Continue what we stopped (and what was stopped before): a stopped process never acts on SIGTERM.
        _ = killpg(leader, SIGCONT)
        for pid in outside {
            _ = kill(pid, SIGCONT)
            if byPid[pid]?.pgid == pid { _ = killpg(pid, SIGCONT) }
        }
    }
}
