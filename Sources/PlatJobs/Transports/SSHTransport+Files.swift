import Foundation
import PlatEngine
#if canImport(Glibc)
import Glibc
#endif

/// Files over ssh: uploads (`RemoteDestination`: a remote `cat` into a temporary file, then `sha256sum` and
/// `mv`), listings (one remote script per path) and downloads (a remote `head -c SIZE`), every command
/// multiplexed over the host's master connection like scripts are. See `SSHStream` for how bytes are streamed.
extension SSHTransport {
    public func upload(_ file: FileUpload, to host: Host) throws -> UploadReceipt {
        try RemoteDestination.write(file, host: host, ssh: self)
    }

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

    /// Lists a file or a glob with the remote shell: each file's size and the SHA-256 of exactly that many
    /// bytes (what `download` then sends, so a log that grows meanwhile still verifies). Remote folders are
    /// reported as problems, not walked.
    public func list(_ path: String, on host: Host, control: CopyControl) throws -> FileListing {
        let shown = host.name + ":" + path
        if path.isEmpty || path.utf8.contains(0) || path.contains("\n") {
            throw CopyError("copy source \(shown) is not a valid path")
        }
        let result = try SSHStream.run(host, script: Self.listingScript, args: [path], timeout: min(control.remaining, 3600),
                                       owner: control.owner, ssh: self)
        if result.timedOut { throw CopyError("listing \(shown) timed out") }
        guard result.exitCode == 0 else { throw CopyFailure(SSHStream.gist(result, ssh: self)) }
        var files: [ListedFile] = []
        var problems: [String] = []
        let isGlob = path.contains(where: { FileDistributor.globCharacters.contains($0) })
        for line in result.stdoutText.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard let kind = fields.first else { continue }
            let file = fields.last ?? path
            switch kind {
            case "F" where fields.count == 4:
                guard let size = Int64(fields[1]), fields[2].count == 64 else { problems.append("unreadable listing line for \(file)"); continue }
                let name = file.split(separator: "/").last.map(String.init) ?? file
                files.append(ListedFile(path: file, relativePath: name, size: size, sha256: fields[2]))
            case "X": problems.append("sha256sum is not installed on \(host.name) (install coreutils)")
            case "M": problems.append(isGlob ? "no file matches \(shown)" : "\(shown) does not exist")
            case "D": problems.append("\(host.name):\(file) is a folder; remote folders are not copied (name a glob such as \(file)/*)")
            case "S": problems.append("\(host.name):\(file) is not a regular file")
            case "R": problems.append("cannot read \(host.name):\(file) (permission denied)")
            default: problems.append("unexpected listing output for \(shown)")
            }
        }
        if files.isEmpty && problems.isEmpty { problems.append("no file matches \(shown)") }
        return FileListing(files: files, isSingleFile: !isGlob && files.count == 1, problems: problems)
    }

    /// Streams exactly `file.size` bytes of `file.path` down with a remote `head -c`.
    public func download(_ file: ListedFile, from host: Host, control: CopyControl) throws -> any ByteStream {
        let remote = SSHStream.remoteCommand("exec head -c \"$1\" < \"$2\"", args: [String(file.size), file.path])
        let argv = try SSHStream.arguments(host, remote: remote, ssh: self)
        return try SSHDownload(argv, host: host, shown: host.name + ":" + file.path, ssh: self, control: control)
    }
}

/// A remote `head -c` whose output we read through a named pipe (see `PipedProcess`).
final class SSHDownload: ByteStream {
    private let process: PipedProcess
    private var signals: SigpipeGuard?
    private let host: Host
    private let shown: String
    private let ssh: SSHTransport
    private var finished = false

    init(_ argv: [String], host: Host, shown: String, ssh: SSHTransport, control: CopyControl) throws {
        self.host = host
        self.shown = shown
        self.ssh = ssh
        signals = SigpipeGuard()
        process = try PipedProcess(argv, direction: .outOfChild, timeout: control.remaining, owner: control.owner)
        try process.open(control: control)
    }

    deinit {
        if !finished { _ = process.finish() }
        signals?.restore()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int {
        try process.read(into: buffer, control: control)
    }

    func finish(control: CopyControl) throws {
        guard !finished else { return }
        finished = true
        let outcome = process.finish()
        signals?.restore()
        signals = nil
        switch outcome {
        case .failure(let e): throw CopyFailure("cannot download \(shown): \(e)")
        case .success(let r):
            if r.timedOut { throw control.timeoutFailure() }
            if control.isCancelled { throw CopyFailure("cancelled", status: .cancelled) }
            guard r.exitCode == 0 else {
                throw CopyFailure("cannot download \(shown): \(SSHStream.gist(r, host: host, ssh: ssh))")
            }
        }
    }
}
