import Foundation
import PlatLang
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
///   not recreated; a folder given as the source that holds no file at all is refused (it would copy nothing);
/// - a path with `*`, `?`, `[` or `{` that does not exist literally is a glob (`glob(3)`, with `~` and braces);
///   each match is handled as above.
/// A missing source, an unmatched glob or an unreadable folder throws `CopyError`: nothing is copied.
///
/// Files on source hosts are listed by the host's transport (`HostTransport.list`): a simulated host's with the
/// rules above beneath its root; an ssh host's by one `ssh` call per source, which expands the glob with the
/// remote shell and reports each file's size and SHA-256. Their problems (unreachable host, unknown transport,
/// no match, a folder) are recorded in `ExpandedSource.error` and reported per target, so one dead source host
/// does not stop the others.
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
                let (entries, single) = try listLocal(path, root: nil, prefix: "")
                out.append(ExpandedSource(source: source, entries: entries, isSingleFile: single))
            case .remote(let host, let path):
                out.append(expandRemote(host, path: path, source: source, options: options))
            }
        }
        return out
    }

    // MARK: This machine

    static let globCharacters: Set<Character> = ["*", "?", "[", "{"]

    /// Lists a file on a source host through its transport.
    static func expandRemote(_ host: Host, path: String, source: CopySource, options: CopyOptions) -> ExpandedSource {
        let shown = host.name + ":" + path
        func failed(_ message: String) -> ExpandedSource {
            ExpandedSource(source: source, entries: [], isSingleFile: false, error: message)
        }
        let transport: any HostTransport
        let listing: FileListing
        do {
            transport = try options.transports.transport(for: host)
            listing = try transport.list(path, on: host, control: CopyControl(timeout: options.timeout, owner: options.owner))
        } catch let e as CopyError {
            return failed(e.description)
        } catch let e as RuntimeError {
            return failed(e.description)
        } catch let f as CopyFailure {
            return failed("cannot list \(shown): \(f.message)")
        } catch {
            return failed("cannot list \(shown): \(error)")
        }
        let entries = listing.files.map { f in
            SourceFile(relativePath: f.relativePath, size: f.size,
                       location: f.localPath.map { .file($0) } ?? .host(host, transport, f),
                       skipReason: f.skipReason, digest: DigestMemo(), display: host.name + ":" + f.path)
        }
        return ExpandedSource(source: source, entries: entries, isSingleFile: listing.isSingleFile,
                              error: listing.problems.isEmpty ? nil : listing.problems.joined(separator: "; "))
    }

    /// Lists a path on this machine; `root` confines it to a simulated host's folder; `prefix` names the host.
    static func listLocal(_ path: String, root: String?, prefix: String) throws -> (entries: [SourceFile], isSingleFile: Bool) {
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
                let before = entries.count
                try walk(m, relative: contentsOnly && !isGlob ? "" : name, root: realRoot, prefix: prefix, into: &entries)
                // A folder with no file in it would copy nothing and report success: refuse it instead.
                if entries.count == before && !isGlob {
                    throw CopyError("copy source \(shownSource) is a folder with no files in it: nothing to copy",
                                    hint: "empty folders are not recreated; create it on the hosts with sh(\"mkdir -p ...\")")
                }
            default:
                throw CopyError("copy source \(m) is not a regular file or a folder")
            }
        }
        return (entries, singleFile)
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
}
