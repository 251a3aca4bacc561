import Foundation

/// Where every file of a distribution goes, worked out once for all its target hosts.
///
/// A destination depends on the sources, `dest` and the time its macros format, never on the target host, so
/// a copy of 10,000 files to 1,000 hosts splits paths, checks `..` and looks for two files landing on one path
/// 10,000 times rather than 10 million (`FileDistributor.plan`; `copy` plans for itself when given sources).
public struct CopyPlan: Sendable {
    /// One step of a host's copy, in order.
    enum Item: Sendable {
        /// A source that could not be listed: it fails on every host.
        case sourceFailed(source: String, destination: String, error: String)
        /// A file to copy.
        case copy(SourceFile, UploadDestination)
        /// A file not copied (a link or a special file inside a folder).
        case skipped(SourceFile, destination: String, reason: String)
        /// A file whose destination is refused: `afterChecks` when the host's deadline and cancellation are
        /// checked first (it would land where an earlier file of the copy landed).
        case refused(SourceFile, destination: String, error: String, afterChecks: Bool)
    }

    let items: [Item]
}

extension FileDistributor {
    /// Where each file of `sources` goes under `dest` (see the type's summary for the rules). Never throws:
    /// what cannot be copied is a per-file result of every host's copy.
    public static func plan(_ sources: [ExpandedSource], dest: String, options: CopyOptions) -> CopyPlan {
        let destinations = sources.map { DestinationPath.expandMacros(dest, sourceHost: sourceHost($0.source), now: options.now) }
        var uses: [String: Int] = [:]
        for (i, s) in sources.enumerated() { uses[destinations[i], default: 0] += max(1, s.entries.count) }

        var items: [CopyPlan.Item] = []
        var landed: [String: String] = [:]
        for (i, source) in sources.enumerated() {
            let destText = destinations[i]
            if let error = source.error {
                items.append(.sourceFailed(source: source.source.display, destination: destText, error: error))
            }
            let fileMode = source.isSingleFile && source.entries.count == 1 && !destText.hasSuffix("/") && uses[destText] == 1
            // The destination's own components, split once for all the files of the source.
            let destComponents = Result { try DestinationPath.components(destText, what: "destination") }
            for entry in source.entries {
                let target: UploadDestination
                do {
                    target = try destination(destText, components: destComponents.get(), relativePath: entry.relativePath,
                                             fileMode: fileMode, createFolders: options.mode == .force)
                } catch let f as CopyFailure {
                    items.append(.refused(entry, destination: destText, error: f.message, afterChecks: false))
                    continue
                } catch {
                    items.append(.refused(entry, destination: destText, error: "\(error)", afterChecks: false))
                    continue
                }
                if let reason = entry.skipReason {
                    items.append(.skipped(entry, destination: target.path, reason: reason))
                    continue
                }
                if let earlier = landed[target.path] {
                    items.append(.refused(entry, destination: target.path,
                                          error: "\(entry.display) would land on \(target.path), where \(earlier) was already copied; "
                                              + "put [FILESRCIP] or [DATE:...] in dest to keep them apart", afterChecks: true))
                    continue
                }
                landed[target.path] = entry.display
                items.append(.copy(entry, target))
            }
        }
        return CopyPlan(items: items)
    }

    /// Where one file goes, as the host sees it: `dest` (split into `components`) is a folder and the file keeps
    /// its relative path under it, or (`fileMode`, a lone file) `dest` names the file itself unless it turns out
    /// to be a folder.
    static func destination(_ dest: String, components comps: [String], relativePath: String, fileMode: Bool,
                            createFolders: Bool) throws -> UploadDestination {
        let rel = try DestinationPath.components(relativePath, what: "source path")
        guard let relName = rel.last else { throw CopyFailure("a source file has an empty name") }
        let absolute = dest.hasPrefix("/")
        if fileMode, let last = comps.last {
            return UploadDestination(folder: Array(comps.dropLast()), name: last, nameInsideFolder: relName,
                                     isAbsolute: absolute, createFolders: createFolders)
        }
        return UploadDestination(folder: comps, inner: Array(rel.dropLast()), name: relName, isAbsolute: absolute,
                                 createFolders: createFolders)
    }
}
