import Foundation
import PlatEngine
import PlatJobs

/// Files in containers, the way the job platform copies to and from its own hosts:
/// - uploads write into a hidden temporary name beside the target (`.NAME.platflow-XXXXXXXX.tmp`), check its
///   SHA-256 in the container where it has `sha256sum` (busybox has), and only then rename it over the target;
///   a folder copied up brings its inner folders along, and a target that is an existing folder means "into it";
/// - listings take a file, a folder (walked in name order, its files under the folder's name, or directly with a
///   trailing slash; links and special files inside are listed as skipped, never followed) or a glob (expanded by
///   the container's shell), with each file's size and SHA-256, so a download is checked like an ssh one;
/// - downloads read exactly the listed size (`head -c`), so a log that grows meanwhile still matches.
/// Every path reaches the container's shell as an argument of `sh -c`, never inside the script text.
extension PodmanTransport {
    /// Exit codes of `uploadScript`, and what they mean.
    static let uploadProblems: [Int32: String] = [
        10: "does not exist (mode strict)",
        11: "cannot be created",
        12: "is a symbolic link; refused (a copy never writes through a link)",
        13: "is a folder",
        14: "could not be written",
        22: "could not be renamed into place",
    ]

    /// `$1` the destination folder as given (must exist in mode strict), `$2` that folder with the copied folder's
    /// inner folders (always created), `$3` the name, `$4` the name inside `$2/$3` when that is a folder (empty:
    /// none), `$5` the temporary name, `$6` force|strict, `$7` the permissions (octal), `$8` the SHA-256 sent.
    /// Prints the path written; exit 21 (with the digest found) on a mismatch.
    static let uploadScript = #"""
        base=$1 d=$2 n=$3 alt=$4 t=$5 mode=$6 perm=$7 sum=$8
        if [ ! -d "$base" ] && [ "$mode" = strict ]; then echo "$base" >&2; exit 10; fi
        if [ ! -d "$d" ]; then mkdir -p "$d" || exit 11; fi
        if [ -n "$alt" ] && [ -d "$d/$n" ] && [ ! -L "$d/$n" ]; then d=$d/$n; n=$alt; fi
        if [ -L "$d/$n" ]; then exit 12; fi
        if [ -d "$d/$n" ]; then exit 13; fi
        umask 077
        cat > "$d/$t" || { rm -f "$d/$t"; exit 14; }
        chmod "$perm" "$d/$t" 2>/dev/null
        if command -v sha256sum >/dev/null 2>&1; then
          h=$(sha256sum < "$d/$t") || { rm -f "$d/$t"; exit 14; }
          h=${h%% *}
          if [ "$h" != "$sum" ]; then rm -f "$d/$t"; echo "$h"; exit 21; fi
        fi
        if [ -L "$d/$n" ] || [ -d "$d/$n" ]; then rm -f "$d/$t"; exit 13; fi
        mv -f "$d/$t" "$d/$n" || { rm -f "$d/$t"; exit 22; }
        echo "$d/$n"
        """#

    public func upload(_ file: FileUpload, to host: PlatJobs.Host) throws -> UploadReceipt {
        // The bytes pass through `next()` (which hashes, paces and counts them) before podman starts: the digest
        // the container checks is then known, and `podman exec -i` takes its stdin whole.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(max(0, min(file.expectedSize, 1 << 30))))
        while let chunk = try file.next() { bytes.append(contentsOf: chunk) }
        guard let sent = file.sha256 else {
            throw CopyError("internal: the upload of \(file.source) ended without a digest")
        }
        let destination = file.destination
        // Relative folders start with "./" so that no argument reads as an option to mkdir, cat or mv.
        func folder(_ components: [String]) -> String {
            if destination.isAbsolute { return "/" + components.joined(separator: "/") }
            return components.isEmpty ? "." : "./" + components.joined(separator: "/")
        }
        var perm = String(file.permissions & 0o7777, radix: 8)
        if perm.count < 3 { perm = String(repeating: "0", count: 3 - perm.count) + perm }
        let args = [folder(destination.folder), folder(destination.folder + destination.inner), destination.name,
                    destination.nameInsideFolder ?? "", Self.temporaryName(for: destination.name),
                    destination.createFolders ? "force" : "strict", perm, sent]
        let result = try podman(host).execute(["exec", "-i", host.address, "sh", "-c", Self.uploadScript, "sh"] + args,
                                              stdin: bytes, timeout: max(1, file.control.remaining))
        let said = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = "\(host.name):\(destination.path)"
        if result.timedOut {
            try file.control.check()
            throw CopyError("writing \(shown) timed out")
        }
        switch result.exitCode {
        case 0:
            return UploadReceipt(bytes: Int64(bytes.count), sha256: sent, path: said.isEmpty ? destination.path : said)
        case 21:
            throw file.mismatch(on: host, path: destination.path, found: said)
        case let code:
            if let problem = Self.uploadProblems[code] {
                let what = code == 10 ? "\(host.name):\(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))" : shown
                throw CopyError("\(what) \(problem)", hint: code == 10 ? "mode \"force\" creates missing folders" : nil)
            }
            let why = result.stderrText.split(separator: "\n").last.map(String.init) ?? "exit code \(code)"
            throw CopyError("cannot write \(shown) in container \(host.address): \(why)")
        }
    }

    /// `.NAME.platflow-XXXXXXXX.tmp`, the job platform's pattern for temporaries (so its sweep of abandoned ones
    /// knows them).
    static func temporaryName(for name: String) -> String {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "." + String(name.prefix(100)) + ".platflow-" + String(repeating: "0", count: 8 - tag.count) + tag + ".tmp"
    }

    /// The listing script: `$1` the path or glob. Lines: `F<TAB>size<TAB>sha256|-<TAB>relative<TAB>path` for a
    /// file, `L`/`S`/`R<TAB>relative<TAB>path` for a link, special or unreadable file inside a folder,
    /// `B<TAB>path` and `E<TAB>path` around a folder named by the path, `N<TAB>path` for a special file named by
    /// it, `M<TAB>path` for nothing there.
    static let listingScript = #"""
        command -v sha256sum >/dev/null 2>&1 && hs=1 || hs=
        file() {
          if [ ! -r "$1" ]; then printf 'R\t%s\t%s\n' "$2" "$1"; return; fi
          s=$(wc -c < "$1") || { printf 'R\t%s\t%s\n' "$2" "$1"; return; }
          s=$((s + 0)); h=-
          if [ -n "$hs" ]; then h=$(head -c "$s" < "$1" | sha256sum) && h=${h%% *} || h=-; fi
          printf 'F\t%s\t%s\t%s\t%s\n' "$s" "$h" "$2" "$1"
        }
        walk() {
          for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
            [ -e "$e" ] || [ -L "$e" ] || continue
            n=${e##*/}
            if [ -L "$e" ]; then printf 'L\t%s\t%s\n' "${2:+$2/}$n" "$e"
            elif [ -d "$e" ]; then walk "$e" "${2:+$2/}$n"
            elif [ -f "$e" ]; then file "$e" "${2:+$2/}$n"
            else printf 'S\t%s\t%s\n' "${2:+$2/}$n" "$e"; fi
          done
        }
        p=$1 glob= contents=
        case $p in ?*/) contents=1 ;; esac
        if [ -e "$p" ] || [ -L "$p" ]; then set -- "$p"
        else
          case $p in *[*?[]*) glob=1; IFS=''; set -- $p; unset IFS ;; *) printf 'M\t%s\n' "$p"; exit 0 ;; esac
        fi
        for f do
          if [ ! -e "$f" ]; then printf 'M\t%s\n' "$f"; continue; fi
          g=${f%/}; name=${g##*/}
          if [ -d "$f" ]; then
            printf 'B\t%s\n' "$f"
            if [ -n "$contents" ] && [ -z "$glob" ]; then walk "$g" ""; else walk "$g" "$name"; fi
            printf 'E\t%s\n' "$f"
          elif [ -f "$f" ]; then file "$f" "$name"
          else printf 'N\t%s\n' "$f"; fi
        done
        """#

    /// A file, a folder or a glob in the container. A missing path, an unmatched glob or a folder with no file
    /// in it throws `CopyError` (nothing is copied), as on this machine.
    public func list(_ path: String, on host: PlatJobs.Host, control: CopyControl) throws -> FileListing {
        let shown = host.name + ":" + path
        if path.isEmpty || path.utf8.contains(0) || path.contains("\n") || path.contains("\t") {
            throw CopyError("copy source \(shown) is not a valid path")
        }
        let result = try podman(host).execute(["exec", host.address, "sh", "-c", Self.listingScript, "sh", path],
                                              timeout: max(1, min(control.remaining, 3600)))
        if result.timedOut { throw CopyError("listing \(shown) timed out") }
        guard result.exitCode == 0 else {
            let why = result.stderrText.split(separator: "\n").last.map(String.init) ?? "exit code \(result.exitCode)"
            throw CopyError("cannot list \(shown) in container \(host.address): \(why)",
                            hint: "the container must be running and have a POSIX sh")
        }
        let isGlob = path.contains(where: { "*?[".contains($0) })
        var files: [ListedFile] = []
        var problems: [String] = []
        var folderStart = 0
        for line in result.stdoutText.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            switch (fields.first, fields.count) {
            case ("F", 5):
                guard let size = Int64(fields[1]) else { problems.append("unreadable listing line for \(fields[4])"); continue }
                files.append(ListedFile(path: fields[4], relativePath: fields[3], size: size, sha256: fields[2].count == 64 ? fields[2] : nil))
            case ("L", 3):
                files.append(ListedFile(path: fields[2], relativePath: fields[1], size: 0, skipReason: "a symbolic link inside a folder is not followed"))
            case ("S", 3):
                files.append(ListedFile(path: fields[2], relativePath: fields[1], size: 0, skipReason: "not a regular file"))
            case ("R", 3):
                problems.append("cannot read \(host.name):\(fields[2]) (permission denied)")
            case ("B", 2):
                folderStart = files.count
            case ("E", 2):
                if files.count == folderStart && !isGlob {
                    throw CopyError("copy source \(shown) is a folder with no files in it: nothing to copy",
                                    hint: "empty folders are not recreated; create it on the hosts with sh(\"mkdir -p ...\")")
                }
            case ("N", 2):
                throw CopyError("copy source \(host.name):\(fields[1]) is not a regular file or a folder")
            case ("M", 2):
                throw CopyError(isGlob ? "no file matches \(shown)" : "copy source \(shown) does not exist",
                                hint: "paths in a container start at its /")
            default:
                problems.append("unexpected listing output for \(shown): \(line)")
            }
        }
        // Name order as on this machine: a folder's files before those of the folder that follows it.
        files.sort { $0.relativePath.split(separator: "/").lexicographicallyPrecedes($1.relativePath.split(separator: "/")) }
        let single = !isGlob && files.count == 1 && files[0].skipReason == nil && !result.stdoutText.hasPrefix("B\t")
        return FileListing(files: files, isSingleFile: single, problems: problems)
    }

    /// Exactly `file.size` bytes of the file (`head -c`), read whole; `finish` checks the count.
    public func download(_ file: ListedFile, from host: PlatJobs.Host, control: CopyControl) throws -> any ByteStream {
        let result = try podman(host).execute(["exec", host.address, "sh", "-c", "exec head -c \"$1\" < \"$2\"", "sh",
                                               String(file.size), file.path], timeout: max(1, control.remaining))
        if result.timedOut {
            try control.check()
            throw CopyError("reading \(host.name):\(file.path) timed out")
        }
        guard result.exitCode == 0 else {
            let why = result.stderrText.split(separator: "\n").last.map(String.init) ?? "exit code \(result.exitCode)"
            throw CopyError("cannot read \(host.name):\(file.path) in container \(host.address): \(why)")
        }
        return BufferedStream(bytes: result.stdout, expected: file.size)
    }
}

/// A download already read whole.
final class BufferedStream: ByteStream {
    let bytes: [UInt8]
    let expected: Int64
    var offset = 0

    init(bytes: [UInt8], expected: Int64) {
        self.bytes = bytes
        self.expected = expected
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n <= 0 { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }

    func finish(control: CopyControl) throws {
        if Int64(offset) != expected {
            throw CopyError("the container's file changed size while it was read (\(offset) of \(expected) bytes)")
        }
    }
}
