import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The destination folders one host's copy has opened, kept open while it copies its files.
///
/// A folder of 10,000 files would otherwise walk the destination path from the host's root again for every
/// file (`DestinationPath.openFolder`: the root, its real path, an `fstatat` and an `openat` per component),
/// which costs more than copying a small file. A folder is still opened and checked exactly as before, the
/// first time a file goes into it; later files land in the descriptor that was checked, which is what
/// confinement rests on (a symbolic link swapped in afterwards cannot redirect them).
///
/// With `sync: true` a folder's `fsync` (which makes its renames durable) is made once, when the cache lets the
/// folder go or at the end of the host's copy, rather than after every file: the host's outcome is reported
/// only after that, so a copy reported ok has every rename on disk; each file's data is still on disk before
/// its rename.
///
/// Owned by one `FileDistributor.copy` call (one thread); `close()` ends it.
final class DestinationFolders {
    private struct Key: Hashable {
        let root: String
        /// The folder's path beneath the root, as the destination spells it.
        let folder: String
        let mustExist: Int
        let confined: Bool
    }

    private var open: [Key: DestinationPath.Folder] = [:]
    /// The folder asked for last: files of a tree come folder by folder, so most lookups end here.
    private var last: (key: Key, folder: DestinationPath.Folder)?
    /// Tags for temporary names: random once, then counted (unique within the copy, unguessable across copies).
    private var tag = UInt64.random(in: 0...UInt64.max)
    /// Folders renamed into under `sync: true` whose fsync is still owed.
    private var unsynced: Set<Int32> = []
    /// At most this many folders stay open: a tree is copied folder by folder, so few are ever needed again,
    /// and a copy of very many folders must not run out of descriptors.
    static let limit = 32

    /// The folder `components` beneath `root` (`path` spells them), opened (see `DestinationPath.openFolder`)
    /// the first time. The descriptor belongs to the cache: do not close it.
    func folder(root: String, path: String, components: @autoclosure () -> [String], mustExist: Int, confined: Bool,
                shown: String) throws -> DestinationPath.Folder {
        let key = Key(root: root, folder: path, mustExist: mustExist, confined: confined)
        if let last, last.key == key { return last.folder }
        if let f = open[key] {
            last = (key, f)
            return f
        }
        if open.count >= DestinationFolders.limit { close() }
        let f = try DestinationPath.openFolder(root: root, components: components(), mustExist: mustExist,
                                               confined: confined, shown: shown)
        open[key] = f
        last = (key, f)
        return f
    }

    /// A name for a temporary file beside `name`: hidden, unique, recognisable (`.NAME.platflow-TAG.tmp`).
    func temporaryName(for name: String) -> String {
        tag &+= 1
        return Transfer.temporaryName(for: name, tag: tag)
    }

    /// A file was renamed into `folder` under `sync: true`: its fsync is owed before the folder is let go.
    func renamedDurably(in folder: DestinationPath.Folder) {
        unsynced.insert(folder.fd)
    }

    /// Syncs the folders owed a sync and closes every folder.
    func close() {
        for f in open.values {
            if unsynced.contains(f.fd) { fsync(f.fd) }
            Glibc.close(f.fd)
        }
        open.removeAll(keepingCapacity: true)
        unsynced.removeAll(keepingCapacity: true)
        last = nil
    }

    deinit { close() }
}
