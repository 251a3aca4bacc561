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
        let started = copyClock()
        let control = CopyControl(timeout: options.timeout, owner: options.owner)
        control.register()
        defer { control.unregister() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Transfer.bufferSize, alignment: 4096)
        defer { buffer.deallocate() }

        // An unknown transport fails every file of the host with the registry's message.
        let transport = Result { try options.transports.transport(for: host) }
        let destinations = sources.map { DestinationPath.expandMacros(dest, sourceHost: sourceHost($0.source), now: options.now) }
        var uses: [String: Int] = [:]
        for (i, s) in sources.enumerated() { uses[destinations[i], default: 0] += max(1, s.entries.count) }

        var results: [FileCopyResult] = []
        var landed: [String: String] = [:]
        var hostBytes: Int64 = 0
        for (i, source) in sources.enumerated() {
            let destText = destinations[i]
            if let error = source.error {
                results.append(FileCopyResult(source: source.source.display, destination: destText, status: .failed,
                                              bytes: 0, duration: 0, sha256: nil, error: error))
            }
            let fileMode = source.isSingleFile && source.entries.count == 1 && !destText.hasSuffix("/") && uses[destText] == 1
            for entry in source.entries {
                let t0 = copyClock()
                var shown = destText
                do {
                    let target = try destination(destText, relativePath: entry.relativePath, fileMode: fileMode,
                                                 createFolders: options.mode == .force)
                    shown = target.path
                    if let reason = entry.skipReason {
                        results.append(FileCopyResult(source: entry.display, destination: shown, status: .skipped, bytes: 0,
                                                      duration: 0, sha256: nil, error: reason))
                        continue
                    }
                    try control.check()
                    if let earlier = landed[target.path] {
                        throw CopyFailure("\(entry.display) would land on \(target.path), where \(earlier) was already copied; "
                                          + "put [FILESRCIP] or [DATE:...] in dest to keep them apart")
                    }
                    landed[target.path] = entry.display
                    let via = try transport.get()
                    let base = hostBytes
                    let report: (Int64) -> Void = { n in progress?(base + n) }
                    let upload = try FileUpload(entry, to: target, host: host, options: options, control: control,
                                                buffer: buffer, progress: report)
                    let receipt = try via.upload(upload, to: host)
                    hostBytes += receipt.bytes
                    results.append(FileCopyResult(source: entry.display, destination: receipt.path, status: .ok,
                                                  bytes: receipt.bytes, duration: copyClock() - t0, sha256: receipt.sha256,
                                                  error: nil))
                } catch let f as CopyFailure {
                    results.append(FileCopyResult(source: entry.display, destination: shown, status: f.status, bytes: 0,
                                                  duration: copyClock() - t0, sha256: nil, error: f.message))
                } catch let e as RuntimeError {
                    let text = e.hint.map { "\(e.message) (hint: \($0))" } ?? e.message
                    results.append(FileCopyResult(source: entry.display, destination: shown, status: .failed, bytes: 0,
                                                  duration: copyClock() - t0, sha256: nil, error: text))
                } catch {
                    results.append(FileCopyResult(source: entry.display, destination: shown, status: .failed, bytes: 0,
                                                  duration: copyClock() - t0, sha256: nil, error: "\(error)"))
                }
            }
        }
        return HostCopyResult(host: host, files: results, duration: copyClock() - started)
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

    // MARK: One file

    /// Where one file goes, as the host sees it: `dest` is a folder and the file keeps its relative path under
    /// it, or (`fileMode`, a lone file) `dest` names the file itself unless it turns out to be a folder.
    static func destination(_ dest: String, relativePath: String, fileMode: Bool, createFolders: Bool) throws -> UploadDestination {
        let rel = try DestinationPath.components(relativePath, what: "source path")
        guard let relName = rel.last else { throw CopyFailure("a source file has an empty name") }
        let comps = try DestinationPath.components(dest, what: "destination")
        let absolute = dest.hasPrefix("/")
        if fileMode, let last = comps.last {
            return UploadDestination(folder: Array(comps.dropLast()), name: last, nameInsideFolder: relName,
                                     isAbsolute: absolute, createFolders: createFolders)
        }
        return UploadDestination(folder: comps, inner: Array(rel.dropLast()), name: relName, isAbsolute: absolute,
                                 createFolders: createFolders)
    }
}
