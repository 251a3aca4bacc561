import Foundation

/// Where a command's database is when neither `--db` nor `PLATFLOW_DB` names one: found the way git finds `.git`,
/// walking up from the working directory to the nearest `.platflow/platflow.db`, so every folder of a project sees
/// one set of runs, schedules and CMDB. When there is none, `.platflow/platflow.db` under the working directory
/// (created on first use).
public enum DatabaseLocation {
    public static let relativePath = ".platflow/platflow.db"

    /// `PLATFLOW_CEILING_DIRECTORIES` (colon-separated, as git's GIT_CEILING_DIRECTORIES) stops the walk below
    /// those folders. The walk never takes a database straight under `/` or the system's temporary folder: those
    /// are shared by unrelated work (every test's scratch folder lives under /tmp), not a project's root.
    public static func find(from start: String = FileManager.default.currentDirectoryPath,
                            environment: [String: String]? = nil) -> String {
        let fm = FileManager.default
        // Without an environment given, the two variables are read alone (building the whole environment, and
        // NSTemporaryDirectory, which does, cost more than the rest of the walk).
        func variable(_ name: String) -> String? { environment.map { $0[name] } ?? EnvironmentVariable.value(name) }
        let ceilings = Set((variable("PLATFLOW_CEILING_DIRECTORIES") ?? "").split(separator: ":").map { standard(String($0)) })
        let temporary = variable("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let shared: Set<String> = ["/", standard(temporary), "/tmp", "/var/tmp"]
        var dir = standard(start)
        while true {
            if !shared.contains(dir) {
                let candidate = dir == "/" ? "/" + relativePath : dir + "/" + relativePath
                if fm.fileExists(atPath: candidate) {
                    return dir == standard(start) ? relativePath : candidate
                }
            }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty || ceilings.contains(parent) { break }
            dir = parent
        }
        return relativePath
    }

    private static func standard(_ path: String) -> String {
        let p = (path as NSString).standardizingPath
        return p.count > 1 && p.hasSuffix("/") ? String(p.dropLast()) : p
    }
}
