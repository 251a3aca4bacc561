import Foundation
import PlatEngine
#if canImport(Glibc)
import Glibc
#endif

/// Turning sources (paths, folders, globs, files on source hosts) into lists of files, once per distribution.
///
/// Local sources (and files of simulated or `localhost` source hosts):
/// - a file is one entry named by its base name; a symlink given as the source is followed (like `cp`);
/// - a folder `dir` is walked in name order and its files keep their paths under `dir/` (`dir/` with a trailing
///   slash: under the destination directly); inside a folder, symbolic links and special files are listed as
///   skipped (never followed: a link to `/etc/shadow` in a release folder is not shipped) and empty folders are
///   not recreated;
/// - a path with `*`, `?`, `[` or `{` that does not exist literally is a glob (`glob(3)`, with `~` and braces);
///   each match is handled as above.
/// A missing source, an unmatched glob or an unreadable folder throws `CopyError`: nothing is copied.
///
/// Files on ssh hosts are listed there by one `ssh` call per source, which expands the glob with the remote
/// shell and reports each file's size and the SHA-256 of exactly that many bytes (what is then downloaded with
/// `head -c SIZE`, so a log that grows meanwhile still verifies). Their problems (unreachable host, no match,
/// a folder) are recorded in `ExpandedSource.error` and reported per target, so one dead source host does not
/// stop the others.
extension FileDistributor {
    public static func expand(_ sources: [CopySource]) throws -> [ExpandedSource] {
        try expand(sources, options: CopyOptions())
    }

    /// `expand`, with the owner and timeout used for listing files on ssh source hosts.
    public static func expand(_ sources: [CopySource], options: CopyOptions) throws -> [ExpandedSource] {
        var out: [ExpandedSource] = []
        for source in sources {
            switch source {
            case .local(let path):
                out.append(try expandLocal(path, source: source, root: nil, prefix: ""))
            case .remote(let host, let path):
                if host.transport == .ssh {
                    out.append(expandSSH(host, path: path, source: source, options: options))
                } else {
                    do {
                        out.append(try expandLocal(path, source: source, root: host.root, prefix: host.name + ":"))
                    } catch let error as CopyError {
                        out.append(ExpandedSource(source: source, entries: [], isSingleFile: false, error: error.description))
                    }
                }
            }
        }
        return out
    }

    // MARK: This machine

    static let globCharacters: Set<Character> = ["*", "?", "[", "{"]

    /// Lists a path on this machine; `root` confines it to a simulated host's folder; `prefix` names the host.
    static func expandLocal(_ path: String, source: CopySource, root: String?, prefix: String) throws -> ExpandedSource {
        let shownSource = prefix + path
        guard !path.isEmpty else { throw CopyError("a copy source is an empty path") }
        if path.utf8.contains(0) { throw CopyError("copy source \(shownSource) contains a NUL byte") }
        var realRoot: String? = nil
        var full: String
        if let root {
            let absoluteRoot = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
            guard let r = DestinationPath.realPath(absoluteRoot) else {
                throw CopyError("source \(shownSource): the host's root \(absoluteRoot) does not exist")
            }
            realRoot = r
            let parts = path.split(separator: "/").map(String.init)
            if parts.contains("..") { throw CopyError("source \(shownSource) contains '..'; refused") }
            full = (r == "/" ? "" : r) + "/" + parts.joined(separator: "/")
        } else {
            full = path.hasPrefix("~") ? NSString(string: path).expandingTildeInPath : path
            if !full.hasPrefix("/") { full = FileManager.default.currentDirectoryPath + "/" + full }
        }
        let contentsOnly = path.hasSuffix("/") && path.count > 1

        var st = stat()
        let literalExists = lstat(full, &st) == 0
        var matches: [String]
        var isGlob = false
        if !literalExists && path.contains(where: { globCharacters.contains($0) }) {
            matches = globMatches(full)
            isGlob = true
            if matches.isEmpty { throw CopyError("no file matches \(shownSource)", hint: "check the pattern and the folder it starts from") }
        } else {
            guard literalExists else {
                throw CopyError("copy source \(shownSource) does not exist",
                                hint: root == nil ? "paths are relative to \(FileManager.default.currentDirectoryPath)" : "paths on a simulated host are under its root \(root ?? "")")
            }
            matches = [full]
        }
        if let realRoot {
            for m in matches {
                guard let r = DestinationPath.realPath(m), r == realRoot || r.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") else {
                    throw CopyError("source \(shownSource) leads outside the host's root (\(m)); refused")
                }
            }
        }

        var entries: [SourceFile] = []
        var singleFile = false
        for m in matches {
            var info = stat()
            guard stat(m, &info) == 0 else {
                throw CopyError("cannot read copy source \(m): \(errnoText(errno))")
            }
            let name = m.split(separator: "/").last.map(String.init) ?? ""
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                guard access(m, R_OK) == 0 else { throw CopyError("cannot read copy source \(m): \(errnoText(errno))") }
                entries.append(SourceFile(relativePath: name, size: Int64(info.st_size), location: .file(m), skipReason: nil,
                                          digest: DigestMemo(), display: displayName(m, root: realRoot, prefix: prefix)))
                singleFile = !isGlob && matches.count == 1
            case S_IFDIR:
                try walk(m, relative: contentsOnly && !isGlob ? "" : name, root: realRoot, prefix: prefix, into: &entries)
            default:
                throw CopyError("copy source \(m) is not a regular file or a folder")
            }
        }
        return ExpandedSource(source: source, entries: entries, isSingleFile: singleFile)
    }

    /// Adds the files under folder `path` (in name order) with paths under `relative`.
    static func walk(_ path: String, relative: String, root: String?, prefix: String, into entries: inout [SourceFile]) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw CopyError("cannot list folder \(path): \(access(path, R_OK) == 0 ? error.localizedDescription : "permission denied")")
        }
        for name in names {
            let full = path + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }   // vanished meanwhile
            let shown = displayName(full, root: root, prefix: prefix)
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                entries.append(SourceFile(relativePath: rel, size: Int64(st.st_size), location: .file(full), skipReason: nil,
                                          digest: DigestMemo(), display: shown))
            case S_IFDIR:
                try walk(full, relative: rel, root: root, prefix: prefix, into: &entries)
            case S_IFLNK:
                entries.append(SourceFile(relativePath: rel, size: 0, location: .file(full),
                                          skipReason: "a symbolic link inside a folder is not followed", digest: DigestMemo(), display: shown))
            default:
                entries.append(SourceFile(relativePath: rel, size: 0, location: .file(full),
                                          skipReason: "not a regular file", digest: DigestMemo(), display: shown))
            }
        }
    }

    /// A real path shown as the host sees it: `host:/etc/x` for a simulated host's file.
    static func displayName(_ real: String, root: String?, prefix: String) -> String {
        guard let root, root != "/", real.hasPrefix(root) else { return prefix + real }
        let inside = String(real.dropFirst(root.count))
        return prefix + (inside.isEmpty ? "/" : inside)
    }

    /// `glob(3)` with braces and `~`, sorted.
    static func globMatches(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        let flags = GLOB_BRACE | GLOB_TILDE
        guard glob(pattern, flags, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv?[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }

    // MARK: ssh source hosts

    /// The remote listing script: `$1` is the path or glob. One line per file: `F<TAB>size<TAB>sha256<TAB>path`,
    /// or a one-letter complaint (`M` missing, `D` folder, `S` special file, `R` unreadable, `X` no sha256sum).
    static let listingScript = #"""
        command -v sha256sum >/dev/null 2>&1 || { printf 'X\t-\n'; exit 0; }
        p=$1
        if [ -e "$p" ] || [ -L "$p" ]; then set -- "$p"; else IFS=''; set -- $p; fi
        for f do
          if [ -d "$f" ]; then printf 'D\t%s\n' "$f"; continue; fi
          if [ ! -e "$f" ]; then printf 'M\t%s\n' "$f"; continue; fi
          if [ ! -f "$f" ]; then printf 'S\t%s\n' "$f"; continue; fi
          if [ ! -r "$f" ]; then printf 'R\t%s\n' "$f"; continue; fi
          s=$(wc -c < "$f") || { printf 'R\t%s\n' "$f"; continue; }
          s=$((s + 0))
          h=$(head -c "$s" < "$f" | sha256sum) || { printf 'R\t%s\n' "$f"; continue; }
          printf 'F\t%s\t%s\t%s\n' "$s" "${h%% *}" "$f"
        done
        """#

    static func expandSSH(_ host: Host, path: String, source: CopySource, options: CopyOptions) -> ExpandedSource {
        func failed(_ message: String) -> ExpandedSource {
            ExpandedSource(source: source, entries: [], isSingleFile: false, error: message)
        }
        let shown = host.name + ":" + path
        if path.isEmpty || path.utf8.contains(0) || path.contains("\n") { return failed("copy source \(shown) is not a valid path") }
        let result: ProcessResult
        do {
            result = try SSHStream.run(host, script: listingScript, args: [path], timeout: min(options.timeout, 3600),
                                       owner: options.owner)
        } catch let f as CopyFailure {
            return failed("cannot list \(shown): \(f.message)")
        } catch {
            return failed("cannot list \(shown): \(error)")
        }
        if result.timedOut { return failed("listing \(shown) timed out") }
        guard result.exitCode == 0 else {
            return failed("cannot list \(shown): \(SSHStream.gist(result))")
        }
        var entries: [SourceFile] = []
        var problems: [String] = []
        let isGlob = path.contains(where: { globCharacters.contains($0) })
        for line in result.stdoutText.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard let kind = fields.first else { continue }
            let file = fields.last ?? path
            switch kind {
            case "F" where fields.count == 4:
                guard let size = Int64(fields[1]), fields[2].count == 64 else { problems.append("unreadable listing line for \(file)"); continue }
                let name = file.split(separator: "/").last.map(String.init) ?? file
                entries.append(SourceFile(relativePath: name, size: size, location: .ssh(host, path: file, sha256: fields[2]),
                                          skipReason: nil, digest: DigestMemo(), display: host.name + ":" + file))
            case "X": problems.append("sha256sum is not installed on \(host.name) (install coreutils)")
            case "M": problems.append(isGlob ? "no file matches \(shown)" : "\(shown) does not exist")
            case "D": problems.append("\(host.name):\(file) is a folder; remote folders are not copied (name a glob such as \(file)/*)")
            case "S": problems.append("\(host.name):\(file) is not a regular file")
            case "R": problems.append("cannot read \(host.name):\(file) (permission denied)")
            default: problems.append("unexpected listing output for \(shown)")
            }
        }
        if entries.isEmpty && problems.isEmpty { problems.append("no file matches \(shown)") }
        let single = !isGlob && entries.count == 1
        return ExpandedSource(source: source, entries: entries, isSingleFile: single,
                              error: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }
}
