import Foundation
import PlatEngine
#if canImport(Glibc)
import Glibc
#endif

/// Writing one file on an ssh host (`SSHTransport.upload`), in two ssh commands (multiplexed over one connection):
/// 1. upload: the remote shell checks the destination (a folder in place of a file name means "into it"; a
///    missing folder is created in mode force and refused in mode strict; a symbolic link or a folder as the
///    final component is refused), then `cat` writes the stream into `.NAME.platflow-XXXX.tmp` beside it;
///    we send the bytes as `FileUpload.next()` hands them over (hashed, paced and counted there);
/// 2. commit: the remote `sha256sum` of the temporary file must equal the digest of what we sent; then
///    `sync` (where it accepts a file), `mv -f` over the destination (a rename in the same folder: atomic),
///    and `sync` of the folder. On a mismatch the temporary file is removed and the old file kept.
/// Every path and value reaches the remote shell as a single-quoted argument of `sh -c`, never inside the
/// script text.
enum RemoteDestination {
    /// Exit codes of the remote scripts, and what they mean.
    static let problems: [Int32: String] = [
        10: "does not exist (mode strict)",
        11: "cannot be created",
        12: "is a symbolic link; refused (a copy never writes through a link)",
        13: "is a folder",
        14: "could not be written",
        20: "could not be read back",
        21: "checksum mismatch",
        22: "could not be renamed into place",
    ]

    static let uploadScript = #"""
        d=$1 n=$2 alt=$3 t=$4 mode=$5 perm=$6 into=F
        if [ -n "$alt" ] && [ -d "$d/$n" ]; then d=$d/$n; n=$alt; into=D; fi
        if [ ! -d "$d" ]; then
          if [ "$mode" = strict ]; then echo "$d" >&2; exit 10; fi
          mkdir -p "$d" || exit 11
        fi
        if [ -L "$d/$n" ]; then exit 12; fi
        if [ -d "$d/$n" ]; then exit 13; fi
        echo "$into"
        umask 077
        cat > "$d/$t" || { rm -f "$d/$t"; exit 14; }
        chmod "$perm" "$d/$t" 2>/dev/null
        exit 0
        """#

    static let commitScript = #"""
        d=$1 n=$2 t=$3 e=$4
        h=$(sha256sum < "$d/$t") || { rm -f "$d/$t"; exit 20; }
        h=${h%% *}
        if [ "$h" != "$e" ]; then rm -f "$d/$t"; echo "$h"; exit 21; fi
        sync "$d/$t" 2>/dev/null
        if [ -L "$d/$n" ]; then rm -f "$d/$t"; exit 12; fi
        if [ -d "$d/$n" ]; then rm -f "$d/$t"; exit 13; fi
        mv -f "$d/$t" "$d/$n" || { rm -f "$d/$t"; exit 22; }
        sync "$d" 2>/dev/null
        echo "$h"
        """#

    /// Uploads `upload` to its destination on `host` over `ssh` (`SSHTransport.upload`).
    static func write(_ upload: FileUpload, host: Host, ssh: SSHTransport) throws -> UploadReceipt {
        let destination = upload.destination
        let folder = destination.folderPath
        let name = destination.name
        let alt = destination.nameInsideFolder ?? ""
        let control = upload.control
        // Relative folders start with "./" so no argument can be read as an option by mkdir, cat or mv.
        let d = folder.hasPrefix("/") ? folder : "./" + folder
        let tmp = Transfer.temporaryName(for: name)
        var perm = String(upload.permissions, radix: 8)
        if perm.count < 3 { perm = String(repeating: "0", count: 3 - perm.count) + perm }
        let mode = destination.createFolders ? CopyMode.force : .strict
        let remote = SSHStream.remoteCommand(uploadScript, args: [d, name, alt, tmp, mode.rawValue, perm])
        let argv = try SSHStream.arguments(host, remote: remote, ssh: ssh)

        var signals = SigpipeGuard()
        defer { signals.restore() }
        let process = try PipedProcess(argv, direction: .intoChild, timeout: control.remaining, owner: control.owner)
        var sendError: Error? = nil
        do {
            try process.open(control: control)
            while let chunk = try upload.next() { try process.write(chunk, control: control) }
        } catch {
            sendError = error
        }
        let outcome = process.finish()
        let result: ProcessResultSummary
        switch outcome {
        case .failure(let e): throw CopyFailure("cannot start ssh: \(e)")
        case .success(let r): result = ProcessResultSummary(r)
        }
        let into = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let finalFolder = into == "D" ? d + "/" + name : d
        let finalName = into == "D" ? alt : name
        let shown = finalFolder + "/" + finalName
        if result.timedOut { cleanup(host, finalFolder, tmp, control, ssh); throw control.timeoutFailure() }
        if let f = sendError as? CopyFailure, f.status != .failed {
            cleanup(host, finalFolder, tmp, control, ssh)
            throw f
        }
        if result.exitCode != 0 {
            throw failure(result, host: host, shown: shown, folder: finalFolder, ssh: ssh)
        }
        if let e = sendError {
            cleanup(host, finalFolder, tmp, control, ssh)
            throw e
        }
        guard let sent = upload.sha256 else {
            cleanup(host, finalFolder, tmp, control, ssh)
            throw CopyFailure("internal: the upload of \(upload.source) ended without a digest")
        }
        upload.wroteTemporary(finalFolder + "/" + tmp)

        try control.check()
        let commit = ProcessResultSummary(try SSHStream.run(host, script: commitScript, args: [finalFolder, finalName, tmp, sent],
                                                            timeout: max(1, control.remaining), owner: control.owner, ssh: ssh))
        if commit.timedOut { cleanup(host, finalFolder, tmp, control, ssh); throw control.timeoutFailure() }
        if commit.exitCode == 21 {
            let remote = commit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            throw upload.mismatch(on: host, path: shown, found: remote)
        }
        if commit.exitCode != 0 { throw failure(commit, host: host, shown: shown, folder: finalFolder, ssh: ssh) }
        return UploadReceipt(bytes: upload.bytesSent, sha256: sent, path: shown)
    }

    /// The error for a remote script's exit code.
    static func failure(_ r: ProcessResultSummary, host: Host, shown: String, folder: String, ssh: SSHTransport) -> CopyFailure {
        if r.exitCode == 255 { return CopyFailure(ssh.connectionError(stderr: r.stderr, host: host).description) }
        let detail = r.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .suffix(2).joined(separator: "; ")
        switch r.exitCode {
        case 10: return CopyFailure("destination folder \(folder) does not exist on \(host.name) (mode strict)")
        case 11: return CopyFailure("cannot create folder \(folder) on \(host.name): \(detail)")
        case 12, 13: return CopyFailure("destination \(shown) on \(host.name) \(problems[r.exitCode] ?? "")")
        case 14: return CopyFailure("cannot write \(shown) on \(host.name): \(detail.isEmpty ? "cat failed" : detail)")
        case let code where problems[code] != nil:
            return CopyFailure("\(shown) on \(host.name) \(problems[code] ?? ""): \(detail)")
        default:
            return CopyFailure("copy to \(host.name) failed (exit \(r.exitCode)): \(detail)")
        }
    }

    /// Removes a temporary file left on the host after a failure (best effort, a few seconds at most).
    static func cleanup(_ host: Host, _ folder: String, _ tmp: String, _ control: CopyControl, _ ssh: SSHTransport) {
        _ = try? SSHStream.run(host, script: "rm -f \"$1/$2\"", args: [folder, tmp], timeout: 5, owner: control.owner, ssh: ssh)
    }
}

/// The parts of a remote command's result the copy looks at.
struct ProcessResultSummary {
    let exitCode: Int32
    let timedOut: Bool
    let stdout: String
    let stderr: String

    init(_ r: ProcessResult) {
        exitCode = r.exitCode
        timedOut = r.timedOut
        stdout = r.stdoutText
        stderr = r.stderrText
    }
}
