import Foundation
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
/// See `DestinationPath` for the `..` and symlink rules, `LocalDestination` and `RemoteDestination` for how
/// bytes are written and verified, `CopyOptions.durable` for fsync.
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
                    let target = try Target(host: host, dest: destText, relativePath: entry.relativePath, fileMode: fileMode)
                    shown = target.shown
                    if let reason = entry.skipReason {
                        results.append(FileCopyResult(source: entry.display, destination: shown, status: .skipped, bytes: 0,
                                                      duration: 0, sha256: nil, error: reason))
                        continue
                    }
                    try control.check()
                    if let earlier = landed[target.shown] {
                        throw CopyFailure("\(entry.display) would land on \(target.shown), where \(earlier) was already copied; "
                                          + "put [FILESRCIP] or [DATE:...] in dest to keep them apart")
                    }
                    landed[target.shown] = entry.display
                    let base = hostBytes
                    let report: (Int64) -> Void = { n in progress?(base + n) }
                    let (bytes, digest, finalPath) = try deliver(entry, to: target, host: host, options: options,
                                                                 control: control, buffer: buffer, progress: report)
                    hostBytes += bytes
                    results.append(FileCopyResult(source: entry.display, destination: finalPath, status: .ok, bytes: bytes,
                                                  duration: copyClock() - t0, sha256: digest, error: nil))
                } catch let f as CopyFailure {
                    results.append(FileCopyResult(source: entry.display, destination: shown, status: f.status, bytes: 0,
                                                  duration: copyClock() - t0, sha256: nil, error: f.message))
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

    /// Where one file goes on one host.
    struct Target {
        /// The root the components live under (a simulated host's root, `/` on this machine); nil for ssh.
        let root: String?
        /// The destination folder's components (must exist in mode strict), then the copied folder's own.
        let folder: [String]
        let inner: [String]
        let name: String
        /// File mode: the name used inside `dest` when it turns out to be an existing folder ("" otherwise).
        let alt: String
        /// The path as the host sees it.
        let shown: String
        let relativeSSH: Bool

        init(host: Host, dest: String, relativePath: String, fileMode: Bool) throws {
            let rel = try DestinationPath.components(relativePath, what: "source path")
            guard let relName = rel.last else { throw CopyFailure("a source file has an empty name") }
            var base = dest
            if host.transport == .local && host.root == nil && !dest.hasPrefix("/") {
                base = FileManager.default.currentDirectoryPath + "/" + dest
            }
            let comps = try DestinationPath.components(base, what: "destination")
            if host.transport == .local && host.isThisMachine && comps.isEmpty && fileMode {
                throw CopyFailure("destination \(dest) is the root folder, not a file")
            }
            if fileMode, let last = comps.last {
                folder = Array(comps.dropLast())
                inner = []
                name = last
                alt = relName
            } else {
                folder = comps
                inner = Array(rel.dropLast())
                name = relName
                alt = ""
            }
            if host.transport == .ssh {
                root = nil
                relativeSSH = !dest.hasPrefix("/")
            } else {
                let r = host.root.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 } ?? "/"
                root = r
                relativeSSH = false
            }
            let all = folder + inner + [name]
            shown = (relativeSSH ? "" : "/") + all.joined(separator: "/")
        }

        /// The folder path for the remote shell.
        var remoteFolder: String {
            let all = folder + inner
            if relativeSSH { return all.isEmpty ? "." : all.joined(separator: "/") }
            return "/" + all.joined(separator: "/")
        }
    }

    /// Copies one file to its target; returns bytes, digest and the final path.
    static func deliver(_ entry: SourceFile, to target: Target, host: Host, options: CopyOptions, control: CopyControl,
                        buffer: UnsafeMutableRawBufferPointer, progress: (Int64) -> Void) throws -> (Int64, String, String) {
        guard let root = target.root else {
            let out = try RemoteDestination.write(entry, folder: target.remoteFolder, name: target.name, alt: target.alt,
                                                  host: host, options: options, control: control, buffer: buffer,
                                                  progress: progress)
            return (out.bytes, out.sha256, out.path)
        }
        let confined = !host.isThisMachine
        let mustExist = options.mode == .strict ? target.folder.count : 0
        var folder = try DestinationPath.openFolder(root: root, components: target.folder + target.inner,
                                                    mustExist: mustExist, confined: confined, shown: target.shown)
        var name = target.name
        var shown = target.shown
        if !target.alt.isEmpty {
            // File mode: an existing folder (or a link to one) at `dest` means "into it".
            var st = stat()
            if fstatat(folder.fd, name, &st, 0) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                close(folder.fd)
                let inside = target.folder + [name]
                shown = target.shown + "/" + target.alt
                folder = try DestinationPath.openFolder(root: root, components: inside, mustExist: inside.count,
                                                        confined: confined, shown: shown)
                name = target.alt
            }
        }
        defer { close(folder.fd) }
        let out = try LocalDestination.write(entry, into: folder, name: name, shown: shown, host: host, options: options,
                                             control: control, buffer: buffer, progress: progress)
        return (out.bytes, out.sha256, shown)
    }
}
