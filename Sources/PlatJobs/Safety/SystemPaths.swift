import Foundation

/// Which paths a recursive delete (or chmod/chown) must not reach.
///
/// Unix: `/`, anything whose first component is a glob (`/*`), the top-level system folders (`/bin /boot /dev
/// /etc /home /lib* /opt /proc /root /sbin /srv /sys /usr /var`), and their direct children: any child of the
/// folders the OS owns (`/usr/lib`, `/etc/ssl`, `/var/lib`, `/usr/*`), but only all-matching globs under the
/// folders that hold users' and applications' own folders (`/home/*`, `/opt/*`, `/srv/*`, `/root/*`), since
/// `rm -rf /opt/myapp` is a routine uninstall. Home: `~`, `~user`, `~/*` and anything leaving home through `..`.
/// Windows: a drive root, a root glob, `Windows`, `Program Files`, `ProgramData`, `Users` and their all-matching
/// globs, and any child of `Windows`.
enum SystemPaths {
    static let osOwned: Set<String> = ["bin", "boot", "dev", "etc", "proc", "sbin", "sys", "usr", "var"]
    static let userAreas: Set<String> = ["home", "opt", "srv", "root"]

    static func isSystemTopLevel(_ name: String) -> Bool {
        osOwned.contains(name) || userAreas.contains(name) || name.hasPrefix("lib")
    }

    static func hasGlob(_ s: String) -> Bool { s.contains("*") || s.contains("?") || s.contains("[") }

    /// A component that matches (nearly) everything in its folder: `*`, `.*`, `*.*`, `??*`.
    static func isCatchAllGlob(_ s: String) -> Bool {
        hasGlob(s) && s.allSatisfy { "*?.".contains($0) }
    }

    /// Components of an absolute path with `.`, empty parts and `..` resolved (`..` at the root stays there).
    static func normalize(_ path: String) -> [String] {
        var out: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !out.isEmpty { out.removeLast() }
                continue
            }
            out.append(String(part))
            // /proc/self/root, /proc/N/root and /proc/thread-self/root are the root folder again.
            if out.count == 3 && out[0] == "proc" && out[2] == "root" {
                out.removeAll()
            }
        }
        return out
    }

    /// Why deleting this absolute path (already expanded) harms the system, or nil.
    static func unixDanger(_ path: String) -> String? {
        let comps = normalize(path)
        guard let top = comps.first else { return "the root folder /" }
        let shown = "/" + comps.joined(separator: "/")
        if hasGlob(top) { return "\(shown) (every top-level folder it matches)" }
        guard isSystemTopLevel(top) else { return nil }
        if comps.count == 1 { return "the system folder \(shown)" }
        if comps.count == 2 {
            let child = comps[1]
            if isCatchAllGlob(child) { return "everything in the system folder /\(top) (\(shown))" }
            if osOwned.contains(top) || top.hasPrefix("lib") {
                return hasGlob(child) ? "\(shown) (system folders it matches)" : "the system folder \(shown)"
            }
        }
        return nil
    }

    /// Why deleting this home-relative path (`~`, `~user/x`) is harmful, or nil. `rest` is what follows `~user`.
    static func homeDanger(_ rest: String, shownAs: String) -> String? {
        var depth = 0
        var comps: [String] = []
        for part in rest.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if comps.isEmpty { depth -= 1 } else { comps.removeLast() }
                continue
            }
            comps.append(String(part))
        }
        if depth < 0 { return "\(shownAs) (above the home folder)" }
        if comps.isEmpty { return "the whole home folder (\(shownAs))" }
        if comps.count == 1 && isCatchAllGlob(comps[0]) { return "everything in the home folder (\(shownAs))" }
        return nil
    }

    /// Danger of an expanded path string, given the working folder when it is known (absolute or `~`-based).
    /// A relative path with an unknown working folder is not judged.
    static func danger(of expanded: String, cwd: String?) -> String? {
        var path = expanded
        if !path.hasPrefix("/") && !path.hasPrefix("~") {
            guard let cwd else { return nil }
            path = cwd + "/" + path
        }
        if path.hasPrefix("~") {
            let afterTilde = path.dropFirst()
            let slash = afterTilde.firstIndex(of: "/") ?? afterTilde.endIndex
            return homeDanger(String(afterTilde[slash...]), shownAs: path)
        }
        return unixDanger(path)
    }

    /// Shell brace expansion of one word (`/{usr,etc}`, `/x/{a,b}/{c,d}`), at most `limit` results.
    static func expandBraces(_ s: String, limit: Int = 64) -> [String] {
        var results: [String] = []
        var work = [s]
        while let cur = work.popLast() {
            if results.count + work.count >= limit {
                results.append(cur)
                continue
            }
            let chars = Array(cur)
            var open: Int? = nil
            var depth = 0
            var commas: [Int] = []
            var close: Int? = nil
            for (k, c) in chars.enumerated() {
                if c == "{" {
                    if depth == 0 { open = k; commas = [] }
                    depth += 1
                } else if c == "}" && depth > 0 {
                    depth -= 1
                    if depth == 0 {
                        if !commas.isEmpty { close = k; break }
                        open = nil
                    }
                } else if c == "," && depth == 1 {
                    commas.append(k)
                }
            }
            guard let o = open, let cl = close else {
                results.append(cur)
                continue
            }
            let prefix = String(chars[..<o]), suffix = String(chars[(cl + 1)...])
            var bounds = [o] + commas + [cl]
            bounds.sort()
            for k in 0..<(bounds.count - 1) {
                let alt = String(chars[(bounds[k] + 1)..<bounds[k + 1]])
                work.append(prefix + alt + suffix)
            }
        }
        return results
    }

    // MARK: - Windows

    static let windowsSystemTop: Set<String> = ["windows", "program files", "program files (x86)", "programdata",
                                                "users", "boot", "recovery", "system volume information"]

    /// Is this a Windows path (`C:`, `C:\x`, `\\server\share`)?
    static func isWindowsPath(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        return u.count >= 2 && u[1] == ":" && u[0].isASCII && u[0].properties.isAlphabetic
    }

    /// Why recursively removing a Windows shell's path harms the host, or nil, given the path at its worst
    /// (variables expanded to what they may hold) and the variables that would leave it if empty. Drive
    /// paths, `\x` on the current drive and `~` are judged everywhere; `rootedUnix` also judges `\x` and `/x`
    /// as Unix paths first (PowerShell runs on Linux too; cmd does not).
    static func windowsRemovalDanger(_ text: String, emptied: [String], rootedUnix: Bool) -> String? {
        let why: String?
        if isWindowsPath(text) {
            why = windowsDanger(text)
        } else if rootedUnix && (text.hasPrefix("\\") || text.hasPrefix("/")) {
            why = unixDanger(text.replacingOccurrences(of: "\\", with: "/")) ?? windowsDanger("C:" + text)
        } else if text.hasPrefix("\\") {
            why = windowsDanger("C:" + text)
        } else if text.hasPrefix("~") {
            why = danger(of: text.replacingOccurrences(of: "\\", with: "/"), cwd: nil)
        } else {
            why = nil
        }
        guard let why else { return nil }
        return emptied.isEmpty ? why : "\(why) when \(emptied.joined(separator: ", ")) is empty"
    }

    /// Danger of deleting an expanded Windows path (`C:\`, `C:\Windows\System32`), or nil.
    static func windowsDanger(_ path: String) -> String? {
        let rest = path.dropFirst(2).replacingOccurrences(of: "\\", with: "/")
        let comps = normalize(rest).map { $0.lowercased() }
        guard let top = comps.first else { return "the whole drive \(path.prefix(2))" }
        if hasGlob(top) { return "\(path) (every top-level folder of the drive)" }
        guard windowsSystemTop.contains(top) else { return nil }
        if comps.count == 1 { return "the system folder \(path)" }
        if comps.count == 2 && (top == "windows" || isCatchAllGlob(comps[1])) { return "the system folder \(path)" }
        return nil
    }

    // MARK: - Devices

    /// Whole disks and partitions: /dev/sd*, nvme*, vd*, xvd*, hd*, mmcblk*, md*, dm-*, disk/by-*, mapper/*.
    static func isDiskDevice(_ path: String) -> Bool {
        let comps = normalize(path)
        guard comps.count >= 2, comps[0] == "dev" else { return false }
        let name = comps[1]
        if comps.count == 2 && (name == "root" || name == "block") { return true }
        if comps.count > 2 { return name == "disk" || name == "mapper" && comps[2] != "control" || name == "md" || name == "block" }
        func startsWith(_ p: String, then test: (Character) -> Bool) -> Bool {
            guard name.hasPrefix(p), name.count > p.count else { return false }
            return test(name[name.index(name.startIndex, offsetBy: p.count)])
        }
        let letter: (Character) -> Bool = { $0.isASCII && $0.isLetter || $0 == "*" || $0 == "?" || $0 == "[" }
        let digit: (Character) -> Bool = { $0.isASCII && $0.isNumber || $0 == "*" || $0 == "?" || $0 == "[" }
        return startsWith("sd", then: letter) || startsWith("vd", then: letter) || startsWith("xvd", then: letter)
            || startsWith("hd", then: letter) || startsWith("nvme", then: digit) || startsWith("mmcblk", then: digit)
            || startsWith("md", then: digit) || startsWith("dm-", then: digit)
    }
}
