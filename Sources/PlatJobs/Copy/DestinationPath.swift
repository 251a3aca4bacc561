import Foundation
import PlatLang
#if canImport(Glibc)
import Glibc
#endif

/// Destination paths: macros, the `..` rule, and opening a destination folder beneath a host's root.
///
/// The rules, for every host:
/// - `..` is refused anywhere in the destination after macro expansion (and in a copied folder's relative
///   paths); so is a NUL byte, and a destination that names the root itself.
/// - The final component must not be a symbolic link: a copy never writes through a link, and never silently
///   replaces one with a file (remove the link, or copy to its target).
/// - Simulated hosts: the destination is rebased under the root (`/etc/app.conf` → `ROOT/etc/app.conf`; a
///   relative path is relative to the root too). Every component is resolved one at a time with
///   `openat(..., O_NOFOLLOW)` from a descriptor of the root; a symlinked folder is followed only when its
///   target stays beneath the root (an absolute target must start with the root's real path; `..` in a relative
///   target may not climb above it), else the copy is refused and nothing is written. Folders are created the
///   same way (`mkdirat` beneath the descriptor already checked), so a link swapped in mid-way cannot redirect
///   the write: the file lands in the folder whose descriptor was checked.
/// - The real machine (`localhost`): paths are used as they are (a relative path is relative to the current
///   folder); symlinked folders on the way are followed (`/var/run` → `/run` is normal), the final component
///   is checked as above.
/// - ssh hosts: the same checks, made by the remote shell (`[ -L ]`, `[ -d ]`); a relative path is relative to
///   the login folder.
enum DestinationPath {
    // MARK: Macros

    /// Replaces `[FILESRCIP]` with the source host's address (`:` and `/` turned to `_`; this machine's name for
    /// local sources) and `[DATE:pattern]` with `now` formatted in UTC by a `DateFormatter` pattern.
    static func expandMacros(_ template: String, sourceHost: Host?, now: Date) -> String {
        guard template.contains("[") else { return template }
        var out = template
        if out.contains("[FILESRCIP]") {
            let address = sourceHost?.address ?? thisMachineName
            let safe = String(address.map { $0 == ":" || $0 == "/" ? "_" : $0 })
            out = out.replacingOccurrences(of: "[FILESRCIP]", with: safe)
        }
        var searchFrom = out.startIndex
        while let open = out.range(of: "[DATE:", range: searchFrom..<out.endIndex) {
            guard let close = out.range(of: "]", range: open.upperBound..<out.endIndex) else { break }
            let pattern = String(out[open.upperBound..<close.lowerBound])
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = pattern
            let text = formatter.string(from: now)
            out.replaceSubrange(open.lowerBound..<close.upperBound, with: text)
            searchFrom = out.index(open.lowerBound, offsetBy: text.count, limitedBy: out.endIndex) ?? out.endIndex
        }
        return out
    }

    /// Refuses a `[DATE:...]` macro that would silently vanish: an empty pattern or no closing `]`.
    static func checkMacros(_ template: String) throws {
        var searchFrom = template.startIndex
        while let open = template.range(of: "[DATE:", range: searchFrom..<template.endIndex) {
            guard let close = template.range(of: "]", range: open.upperBound..<template.endIndex) else {
                throw RuntimeError("copy() dest \(template): [DATE: has no closing ]", hint: "write [DATE:yyyyMMdd]")
            }
            if template[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces).isEmpty {
                throw RuntimeError("copy() dest \(template): [DATE:] needs a date pattern", hint: "write [DATE:yyyyMMdd] or [DATE:yyyy-MM-dd_HHmm]")
            }
            searchFrom = close.upperBound
        }
    }

    // MARK: Components

    /// The components of `path` (empty and `.` components dropped); throws on `..` or NUL.
    static func components(_ path: String, what: String) throws -> [String] {
        if path.utf8.contains(0) { throw CopyFailure("\(what) contains a NUL byte") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        if parts.contains("..") {
            throw CopyFailure("\(what) \(path) contains '..'; refused so that nothing lands outside where it was aimed")
        }
        return parts
    }

    // MARK: Opening a folder beneath a root

    /// An open destination folder: a descriptor to `openat`/`renameat` in, and its real path for messages.
    struct Folder {
        let fd: Int32
        let realPath: String
        /// The folder was made by this call (`mkdirat`): whatever is in it came after.
        var created = false
    }

    /// Opens the folder `components` beneath `root` (a real path, `/` for this machine), creating missing
    /// folders except the first `mustExist` components (mode strict); with `confined`, refuses any symlink that
    /// leads outside the root. Folders named by a symlink's target are never created (a dangling link is an
    /// error). The caller closes the descriptor. `shown` names the destination in errors (as the host sees it).
    static func openFolder(root: String, components: [String], mustExist: Int, confined: Bool,
                           shown: String) throws -> Folder {
        var rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if rootFD < 0 && errno == ENOENT && mustExist == 0 && confined {
            // A simulated host's root is its disk: it comes into being with its first file.
            try makeFolders(root)
            rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard rootFD >= 0 else {
            let code = errno
            if code == ENOENT { throw CopyFailure("destination folder \(shown) does not exist (the host's root \(root) is missing; mode strict)") }
            throw CopyFailure("cannot open \(root): \(errnoText(code))")
        }
        let realRoot = realPath(root) ?? root
        // The chain of open folders from the root down; names[i] is the component that opened fds[i + 1].
        var fds: [Int32] = [rootFD]
        var names: [String] = []
        // Each component still to walk, and whether it may be created when missing.
        var pending: [(name: String, creatable: Bool)] = components.enumerated().map { ($0.element, $0.offset >= mustExist) }
        var links = 0
        // The component this call just made, and whether the folder open last is it.
        var made: String? = nil
        var lastMade = false
        func closeAll() { for fd in fds { close(fd) } }
        func escape(_ how: String) -> CopyFailure {
            CopyFailure("destination \(shown) leads outside the host's root (\(how)); refused, nothing written")
        }
        do {
            while !pending.isEmpty {
                let (name, creatable) = pending.removeFirst()
                if name.isEmpty || name == "." { continue }
                if name == ".." {
                    // Only symlink targets bring these (user paths with `..` were refused before).
                    lastMade = false
                    if fds.count > 1 {
                        if let fd = fds.popLast() { close(fd) }
                        names.removeLast()
                    } else if confined {
                        throw escape("a symbolic link climbs above it")
                    }
                    continue
                }
                guard let top = fds.last else { throw CopyFailure("internal: no folder open") }
                var st = stat()
                if fstatat(top, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                    let code = errno
                    guard code == ENOENT else {
                        throw CopyFailure("cannot reach \(describe(realRoot, names + [name])): \(errnoText(code))")
                    }
                    guard creatable else {
                        let missing = describe(realRoot, names + [name])
                        if links > 0 && mustExist == 0 {
                            throw CopyFailure("destination \(shown): a symbolic link on the way points to \(missing), which does not exist")
                        }
                        throw CopyFailure("destination folder of \(shown) does not exist (mode strict: \(missing) is missing)")
                    }
                    if mkdirat(top, name, 0o755) == 0 {
                        made = name
                    } else if errno != EEXIST {
                        throw CopyFailure("cannot create folder \(describe(realRoot, names + [name])): \(errnoText(errno))")
                    }
                    pending.insert((name, creatable), at: 0)   // look again: it exists now (ours or a racer's)
                    continue
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    let fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    guard fd >= 0 else {
                        throw CopyFailure("cannot open folder \(describe(realRoot, names + [name])): \(errnoText(errno))")
                    }
                    fds.append(fd)
                    names.append(name)
                    lastMade = made == name
                    made = nil
                case S_IFLNK:
                    links += 1
                    if links > 40 { throw CopyFailure("too many symbolic links in destination \(shown)") }
                    guard let target = readLink(top, name) else {
                        throw CopyFailure("cannot read the symbolic link \(describe(realRoot, names + [name]))")
                    }
                    var rest = target.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
                    if target.hasPrefix("/") {
                        if realRoot != "/" {
                            guard target == realRoot || target.hasPrefix(realRoot + "/") else {
                                throw escape("\(describe(realRoot, names + [name])) points to \(target)")
                            }
                            rest = Array(rest.dropFirst(realRoot.split(separator: "/").count))
                        }
                        while fds.count > 1, let fd = fds.popLast() { close(fd) }
                        names.removeAll()
                    }
                    pending.insert(contentsOf: rest.map { ($0, false) }, at: 0)
                    lastMade = false
                default:
                    throw CopyFailure("destination \(shown): \(describe(realRoot, names + [name])) exists and is not a folder")
                }
            }
        } catch {
            closeAll()
            throw error
        }
        guard let last = fds.popLast() else { throw CopyFailure("internal: no folder open") }
        for fd in fds { close(fd) }
        return Folder(fd: last, realPath: describe(realRoot, names), created: lastMade && !components.isEmpty)
    }

    static func describe(_ root: String, _ names: [String]) -> String {
        if names.isEmpty { return root }
        return (root == "/" ? "" : root) + "/" + names.joined(separator: "/")
    }

    /// The target of the symbolic link `name` in folder `fd`.
    static func readLink(_ fd: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(fd, name, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `realpath(3)` as a Swift string.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// `mkdir -p` for a path on this machine (a simulated host's root).
    static func makeFolders(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CopyFailure("cannot create folder \(path): \(error.localizedDescription)")
        }
    }
}
