import Foundation
import PlatLang
import PlatStore

/// One bad row of an import: where, which field, why.
public struct ImportProblem: Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let field: String?
    public let reason: String

    public var description: String { "line \(line)\(field.map { ", \($0)" } ?? ""): \(reason)" }
}

/// What an import did (or, with problems, would have done: then nothing was written).
public struct ImportReport: Sendable {
    public var rows = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    /// The first 1,000 problems; `problemCount` counts them all.
    public var problems: [ImportProblem] = []
    public var problemCount = 0
    public var committed: Bool { problemCount == 0 }
    /// Where the time went: reading and writing rows (which indexes and writes events as it goes), the last
    /// of the index and events, the commit; then the full-text index's and the events' own totals, which
    /// overlap the others.
    public var phases: [(name: String, seconds: Double)] = []

    public init() {}

    mutating func add(_ p: ImportProblem) {
        problemCount += 1
        if problems.count < 1000 { problems.append(p) }
    }

    /// Puts the problems in file order: a taken IP is found when a group of rows is written, after the
    /// problems of later rows in the group were reported.
    mutating func sortProblems() {
        problems = problems.enumerated().sorted { a, b in
            a.element.line != b.element.line ? a.element.line < b.element.line : a.offset < b.offset
        }.map(\.element)
    }
}

/// How far an import has got, for a progress display.
public struct ImportProgress: Sendable {
    /// Rows read and checked so far.
    public let rows: Int
    /// Bytes of the file read so far, and the file's size when known.
    public let bytesRead: Int
    public let fileSize: Int?
    /// Every row is read; the last of the search index and the commit remain.
    public let finishing: Bool

    /// The share of the file read, 0 to 1, when the size is known.
    public var fraction: Double? {
        guard let size = fileSize, size > 0 else { return nil }
        return min(1, Double(bytesRead) / Double(size))
    }
}

public enum ImportFormat: String, Sendable, CaseIterable {
    case csv, json, yaml

    /// From the file name; CSV unless it ends in .json, .jsonl, .ndjson, .yaml or .yml.
    public static func guess(_ path: String) -> ImportFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .yaml }
        return lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .json : .csv
    }
}

extension CMDB {
    /// Imports hosts from a CSV, JSON or YAML file, all or nothing.
    ///
    /// Columns (CSV header, JSON keys) name host fields; an unknown name is an error naming it. `id`,
    /// `created_at` and `updated_at` are accepted and ignored (exports carry them). Every row is checked and
    /// every bad one reported (line, field, reason); unless all are good, nothing is written. A row whose
    /// host exists (same inner IP in the same cloud area; a dynamic host by hostname) is unchanged when its
    /// values match, updated with `update`, and a problem otherwise. The file is read in a fixed-size buffer.
    /// `progress` is told how it goes, on the calling thread, at most five times a second.
    public func importHosts(path: String, format: ImportFormat? = nil, update: Bool = false,
                            progress: ((ImportProgress) -> Void)? = nil) throws -> ImportReport {
        let session = try HostImportSession(cmdb: self, update: update, format: format ?? ImportFormat.guess(path), path: path)
        session.progress = progress
        // A bigger page cache than SQLite's 2 MB while the import's transaction is open, so that index pages
        // are not written out and read back again and again; 16 MB was as fast as 64 MB on 100,000 hosts, in
        // file order or shuffled, with 40 MB less memory. Bounded, so memory still does not grow with the
        // file; restored afterwards.
        let cacheSize = try db.queryOne("PRAGMA cache_size")?.int("cache_size") ?? -2000
        try db.execute("PRAGMA cache_size = -16384")
        defer { try? db.execute("PRAGMA cache_size = \(cacheSize)") }
        struct RollBack: Error {}
        var report = ImportReport()
        let start = Date()
        var committing = start
        do {
            try db.withRollbackJournalIfAlone {
                defer { session.close() }
                try write {
                    try session.run()
                    session.report.sortProblems()
                    let finishing = Date()
                    session.report.phases.append(("rows", finishing.timeIntervalSince(start)))
                    report = session.report
                    if report.problemCount > 0 { throw RollBack() }
                    progress?(ImportProgress(rows: report.rows, bytesRead: session.fileSize ?? 0, fileSize: session.fileSize, finishing: true))
                    try session.finish()
                    committing = Date()
                    session.report.phases.append(("last index and events", committing.timeIntervalSince(finishing)))
                }
            }
        } catch is RollBack {
            return report
        }
        session.report.phases.append(("commit", Date().timeIntervalSince(committing)))
        return session.report
    }
}

