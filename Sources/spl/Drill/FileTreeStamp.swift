import Glibc

/// What every regular file under a folder looks like to the file system: inode, size, and
/// modification and change times to the nanosecond. Any write, rename over, `chmod` or
/// new file changes it, without reading the files (backups can be large).
struct FileTreeStamp: Equatable {
    struct Entry: Equatable {
        let inode: UInt64
        let size: Int64
        let modified: timespec
        let changed: timespec

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.inode == rhs.inode && lhs.size == rhs.size
                && lhs.modified.tv_sec == rhs.modified.tv_sec && lhs.modified.tv_nsec == rhs.modified.tv_nsec
                && lhs.changed.tv_sec == rhs.changed.tv_sec && lhs.changed.tv_nsec == rhs.changed.tv_nsec
        }
    }

    /// By path below the root.
    let entries: [String: Entry]

    /// The stamp of `root`; empty when it does not exist.
    init(_ root: String) {
        var entries: [String: Entry] = [:]
        Self.walk(root, relative: "", into: &entries)
        self.entries = entries
    }

    /// The paths that differ between two stamps, sorted.
    func changedPaths(since earlier: FileTreeStamp) -> [String] {
        Set(entries.keys).union(earlier.entries.keys).filter { entries[$0] != earlier.entries[$0] }.sorted()
    }

    private static func walk(_ folder: String, relative: String, into entries: inout [String: Entry]) {
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            let path = folder + "/" + name
            let key = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(path, relative: key, into: &entries)
            case S_IFREG:
                entries[key] = Entry(
                    inode: UInt64(info.st_ino), size: Int64(info.st_size), modified: info.st_mtim, changed: info.st_ctim)
            default:
                continue
            }
        }
    }
}
