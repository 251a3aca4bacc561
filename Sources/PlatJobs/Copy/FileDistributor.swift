import Foundation
import PlatLang
#if canImport(Glibc)
import Glibc
#endif

/// The file distribution engine: what `copy(...)` does on each target host.
///
/// `expand` lists the sources once; `copy` then delivers every listed file to one host, one file after the
/// other, and reports each file. It blocks, and many threads may call it at once for different hosts (the
/// rolling-batch runner does): hosts share nothing but the per-source digest memo, which lets only the first
/// host that copies a local file pay for hashing it.
///
/// Where a file lands (`dest` after macros, see `DestinationPath.expandMacros`):
/// - a source that is one file (not a folder, not a glob), with a `dest` that does not end in `/`, is not an
///   existing folder on the host, and is not shared with another source of the same copy, goes to `dest`
///   itself (a file path); otherwise `dest` is a folder and each file goes to `dest/RELATIVE_PATH`;
/// - two files of one copy never land on the same path of a host: the second fails (many-to-one copies need
///   `[FILESRCIP]` or `[DATE:...]` in `dest` to land apart);
/// - mode strict requires `dest` (or, for a file path, its folder) to exist; folders inside a copied folder are
///   created in both modes.
/// Each file is handed to the host's transport (`HostTransport.upload`, found by the host's kind in
/// `CopyOptions.transports`) as a `FileUpload`: the bytes pass through it once, hashed, paced and counted, and
/// the transport writes them beside the target, proves the digest and renames. See `DestinationPath` for the
/// `..` and symlink rules, `LocalDestination` and `RemoteDestination` for how the built-in transports write and
/// verify, `CopyOptions.durable` for fsync.
///
/// Speed on a fan-out of local or simulated hosts: a source file is hashed once (by the first host, while it
/// copies); the other hosts use `copy_file_range`, at most (CPUs - 1) of them at once while that hash runs, so
/// the hashing thread keeps a core; with `durable`, writeback is started as the bytes land so the closing
/// `fsync` finds little left to do. One 4 MiB buffer per `copy` call, none per chunk.
public enum FileDistributor {
    /// Copies every expanded source to `host` under `dest`. Never throws: problems are per-file results.
    public static func copy(_ sources: [ExpandedSource], to host: Host, dest: String, options: CopyOptions,
                            progress: ((Int64) -> Void)? = nil) -> HostCopyResult {
        copy(plan(sources, dest: dest, options: options), to: host, options: options, progress: progress)
    }

    /// Copies the files of a plan (`plan(_:dest:options:)`, made once for all the hosts) to `host`.
    public static func copy(_ plan: CopyPlan, to host: Host, options: CopyOptions,
                            progress: ((Int64) -> Void)? = nil) -> HostCopyResult {
        let started = copyClock()
        let control = CopyControl(timeout: options.timeout, owner: options.owner)
        control.register()
        defer { control.unregister() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Transfer.bufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        let folders = DestinationFolders()
        let sources = SourceFolders()

        // An unknown transport fails every file of the host with the registry's message.
        let transport = Result { try options.transports.transport(for: host) }
        var results = FileResults(limit: options.fileDetailLimit)
        var hostBytes: Int64 = 0
        for item in plan.items {
            let entry: SourceFile, target: UploadDestination
            switch item {
            case .sourceFailed(let source, let destination, let error):
                results.append(FileCopyResult(source: source, destination: destination, status: .failed,
                                              bytes: 0, duration: 0, sha256: nil, error: error))
                continue
            case .skipped(let e, let destination, let reason):
                results.append(FileCopyResult(source: e.display, destination: destination, status: .skipped, bytes: 0,
                                              duration: 0, sha256: nil, error: reason))
                continue
            case .refused(let e, let destination, let error, let afterChecks):
                var failure = CopyFailure(error)
                if afterChecks { do { try control.check() } catch let f as CopyFailure { failure = f } catch {} }
                results.append(FileCopyResult(source: e.display, destination: destination, status: failure.status,
                                              bytes: 0, duration: 0, sha256: nil, error: failure.message))
                continue
            case .copy(let e, let t):
                entry = e
                target = t
            }
            let t0 = copyClock()
            do {
                try control.check()
                let via = try transport.get()
                let base = hostBytes
                let report: (Int64) -> Void = { n in progress?(base + n) }
                let upload = try FileUpload(entry, to: target, host: host, options: options, control: control,
                                            buffer: buffer, folders: folders, sources: sources, progress: report)
                let receipt = try via.upload(upload, to: host)
                hostBytes += receipt.bytes
                results.append(FileCopyResult(source: entry.display, destination: receipt.path, status: .ok,
                                              bytes: receipt.bytes, duration: copyClock() - t0, sha256: receipt.sha256,
                                              error: nil))
            } catch let f as CopyFailure {
                results.append(FileCopyResult(source: entry.display, destination: target.path, status: f.status, bytes: 0,
                                              duration: copyClock() - t0, sha256: nil, error: f.message))
            } catch let e as RuntimeError {
                let text = e.hint.map { "\(e.message) (hint: \($0))" } ?? e.message
                results.append(FileCopyResult(source: entry.display, destination: target.path, status: .failed, bytes: 0,
                                              duration: copyClock() - t0, sha256: nil, error: text))
            } catch {
                results.append(FileCopyResult(source: entry.display, destination: target.path, status: .failed, bytes: 0,
                                              duration: copyClock() - t0, sha256: nil, error: "\(error)"))
            }
        }
        // Under sync: true, the folders' renames reach the disk here, before the host's result is reported.
        folders.close()
        return HostCopyResult(host: host, files: results.kept, duration: copyClock() - started, omitted: results.omitted)
    }

    /// Stops the copies in flight for a run (each ends its current file as `cancelled`, removing its temporary
    /// file). Their ssh commands are `ProcessRunner` children with that owner: `ProcessRunner.kill(owner:)` also
    /// reaches them.
    public static func cancel(owner: String) {
        CopyControl.cancel(owner: owner)
    }

    static func sourceHost(_ source: CopySource) -> Host? {
        if case .remote(let host, _) = source { return host }
        return nil
    }
}
