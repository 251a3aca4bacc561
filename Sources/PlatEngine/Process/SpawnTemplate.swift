import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What many children started alike have in common (the hosts of a fan-out): the environment they share,
/// checked and converted to C strings once, and the programs found on its PATH, remembered. A spec that names a
/// template (`ProcessSpec.template`) runs with the template's environment and its own `environment` on top,
/// so a spawn converts only those few variables and searches PATH only the first time a name is run.
///
/// Why: building the whole environment and searching PATH for every child cost about a quarter of the
/// runner's own time per child in a fan-out of 2,000 hosts (docs/benchmarks.md, issue 17).
///
/// A program is remembered once found, for the template's life (one fan-out): if it is removed meanwhile, the
/// spawn fails with "cannot run /usr/bin/NAME", as it would have a moment after a fresh search. Names are
/// remembered only when every entry of the template's PATH is absolute (a relative entry depends on the
/// child's working directory), and never for a spec whose own `environment` sets PATH.
public final class SpawnTemplate: @unchecked Sendable {
    /// Each variable's position in `entries`.
    let positions: [String: Int]
    /// "NAME=value" for every variable, in C, owned until deinit.
    let entries: CStringArray
    /// The template's PATH (the default search path when it has none).
    let searchPath: String
    private let remembersPrograms: Bool
    private let lock = NSLock()
    private var found: [String: String] = [:]

    /// Throws `ProcessRunnerError.spawnFailed` for a variable no process can receive (the same check a spec's
    /// own environment gets).
    public init(environment: [String: String]) throws {
        var positions: [String: Int] = [:]
        var strings: [String] = []
        strings.reserveCapacity(environment.count)
        for (key, value) in environment {
            strings.append(try SpawnTemplate.entry(key, value))
            positions[key] = strings.count - 1
        }
        self.positions = positions
        entries = CStringArray(strings)
        searchPath = environment["PATH"] ?? ProcessRunner.defaultSearchPath
        remembersPrograms = searchPath.split(separator: ":", omittingEmptySubsequences: false)
            .allSatisfy { $0.hasPrefix("/") }
    }

    /// "KEY=value", or the error for a name or value that cannot be passed.
    static func entry(_ key: String, _ value: String) throws -> String {
        if key.isEmpty || key.utf8.contains(UInt8(ascii: "=")) || key.utf8.contains(0) || value.utf8.contains(0) {
            let shown = key.replacingOccurrences(of: "\0", with: "\\0")
            throw ProcessRunnerError.spawnFailed(
                "environment variable \"\(shown)\" is not valid (a name must be non-empty without '=', "
                    + "and neither name nor value may contain a NUL byte)", errno: EINVAL)
        }
        return key + "=" + value
    }

    /// The remembered full path of `name` (no `/` in it), searching the template's PATH the first time.
    /// Not found or not executable: the search's outcome, not remembered (so the error is the usual one).
    /// `directory`: the child's working directory, where relative PATH entries start (never remembered).
    func program(_ name: String, relativeTo directory: String?) -> ProcessRunner.SearchOutcome {
        guard remembersPrograms else { return ProcessRunner.search(name, path: searchPath, relativeTo: directory) }
        lock.lock()
        let known = found[name]
        lock.unlock()
        if let known { return .found(known) }
        let outcome = ProcessRunner.search(name, path: searchPath, relativeTo: nil)
        if case .found(let full) = outcome {
            lock.lock()
            found[name] = full
            lock.unlock()
        }
        return outcome
    }

    /// The child's environment: the template's entries that `overrides` does not replace, then `overrides`
    /// (already "KEY=value" in C), ending with NULL. The pointers stay valid while the template and
    /// `overrides` live.
    func environment(overriding keys: Dictionary<String, String>.Keys,
                     with overrides: CStringArray) -> [UnsafeMutablePointer<CChar>?] {
        let shared = entries.pointers
        var skipped: [Int] = []
        for key in keys { if let i = positions[key] { skipped.append(i) } }
        var out: [UnsafeMutablePointer<CChar>?] = []
        out.reserveCapacity(shared.count + overrides.pointers.count)
        for i in 0..<(shared.count - 1) where !skipped.contains(i) { out.append(shared[i]) }
        out.append(contentsOf: overrides.pointers)  // ends with its NULL
        return out
    }
}
