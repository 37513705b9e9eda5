import Glibc

/// A replica in a folder (`file:///path`), typically on another volume.
///
/// `put` writes a temporary name (`.<name>.tmp-<random>`, 0600), fsyncs it, renames it over
/// the key and fsyncs the folder, so a crash leaves the old object or the new one, never
/// part of one. Folders are made 0700. Every path below the root is opened component by
/// component with `O_NOFOLLOW`, so a symbolic link inside the replica can never lead a read
/// or a write out of it; names starting with `.` (temporaries) are not listed.
public struct FileObjectStore: ReplicaObjectStore {
    /// The replica's folder, absolute.
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var location: String { "file://" + root }

    public func put(_ key: ReplicaKey, _ bytes: [UInt8]) async throws {
        try await BlockingWork.run { try self.writeObject(key, bytes) }
    }

    public func get(_ key: ReplicaKey) async throws -> [UInt8]? {
        try await BlockingWork.run { try self.readObject(key) }
    }

    public func list(prefix: String) async throws -> [ReplicaObjectInfo] {
        try await BlockingWork.run { try self.listObjects(prefix: prefix) }
    }

    public func delete(_ key: ReplicaKey) async throws {
        try await BlockingWork.run { try self.removeObject(key) }
    }

    // MARK: Blocking calls

    private func writeObject(_ key: ReplicaKey, _ bytes: [UInt8]) throws {
        let (folderPath, name) = split(key)
        guard let folder = try openFolder(folderPath, creating: true) else {
            throw FileObjectStoreError.system(path: path(key.rawValue), operation: "create the folder of", reason: "it vanished while being made")
        }
        defer { close(folder) }
        let temporary = ".\(name).tmp-\(String(UInt32.random(in: .min ... .max), radix: 16))"
        let file = openat(folder, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw failure(key.rawValue, "create") }
        do {
            defer { close(file) }
            guard fchmod(file, 0o600) == 0 else { throw failure(key.rawValue, "set the mode of") }
            var written = 0
            while written < bytes.count {
                let step = bytes.withUnsafeBytes { write(file, $0.baseAddress! + written, bytes.count - written) }
                guard step > 0 else { throw failure(key.rawValue, "write") }
                written += step
            }
            guard fsync(file) == 0 else { throw failure(key.rawValue, "fsync") }
        } catch {
            unlinkat(folder, temporary, 0)
            throw error
        }
        guard renameat(folder, temporary, folder, name) == 0 else {
            let error = failure(key.rawValue, "rename into place")
            unlinkat(folder, temporary, 0)
            throw error
        }
        guard fsync(folder) == 0 else { throw failure(folderPath.joined(separator: "/"), "fsync the folder of") }
    }

    private func readObject(_ key: ReplicaKey) throws -> [UInt8]? {
        let (folderPath, name) = split(key)
        guard let folder = try openFolder(folderPath, creating: false) else { return nil }
        defer { close(folder) }
        let file = openat(folder, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard file >= 0 else {
            if errno == ENOENT { return nil }
            if errno == ELOOP { throw FileObjectStoreError.symbolicLink(path: path(key.rawValue)) }
            throw failure(key.rawValue, "open")
        }
        defer { close(file) }
        var info = stat()
        guard fstat(file, &info) == 0 else { throw failure(key.rawValue, "stat") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw FileObjectStoreError.notAFile(path: path(key.rawValue)) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let step = bytes.withUnsafeMutableBytes { read(file, $0.baseAddress! + done, $0.count - done) }
            guard step >= 0 else { throw failure(key.rawValue, "read") }
            if step == 0 { break }
            done += step
        }
        return Array(bytes.prefix(done))
    }

    private func listObjects(prefix: String) throws -> [ReplicaObjectInfo] {
        let folderPath = prefix.split(separator: "/").map(String.init)
        guard let folder = try openFolder(folderPath, creating: false) else { return [] }
        var found: [ReplicaObjectInfo] = []
        try collect(folder, path: folderPath, into: &found)
        return found.sorted { $0.key < $1.key }
    }

    private func removeObject(_ key: ReplicaKey) throws {
        let (folderPath, name) = split(key)
        guard let folder = try openFolder(folderPath, creating: false) else { return }
        defer { close(folder) }
        guard unlinkat(folder, name, 0) == 0 || errno == ENOENT else { throw failure(key.rawValue, "delete") }
        guard fsync(folder) == 0 else { throw failure(folderPath.joined(separator: "/"), "fsync the folder of") }
    }

    // MARK: Paths

    private func split(_ key: ReplicaKey) -> ([String], String) {
        let parts = key.rawValue.split(separator: "/").map(String.init)
        return (Array(parts.dropLast()), parts.last!)
    }

    private func path(_ relative: String) -> String {
        relative.isEmpty ? root : root + "/" + relative
    }

    /// The folder below the root as a descriptor, each step opened without following a link;
    /// nil when it does not exist and `creating` is false.
    private func openFolder(_ components: [String], creating: Bool) throws -> Int32? {
        if creating { try makeRoot() }
        var current = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else {
            if errno == ENOENT && !creating { return nil }
            throw failure("", "open")
        }
        var walked: [String] = []
        for component in components {
            walked.append(component)
            var next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && creating {
                guard mkdirat(current, component, 0o700) == 0 || errno == EEXIST else {
                    close(current)
                    throw failure(walked.joined(separator: "/"), "create the folder")
                }
                fsync(current)
                next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let openError = errno
            close(current)
            guard next >= 0 else {
                if openError == ENOENT { return nil }
                if openError == ELOOP || openError == ENOTDIR {
                    throw FileObjectStoreError.symbolicLink(path: path(walked.joined(separator: "/")))
                }
                throw FileObjectStoreError.system(path: path(walked.joined(separator: "/")), operation: "open", reason: String(cString: strerror(openError)))
            }
            current = next
        }
        return current
    }

    /// The root and its missing parents, 0700 each (the operator names the root; it may be a link).
    private func makeRoot() throws {
        var built = ""
        for component in root.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o700) != 0 && errno != EEXIST { throw failure("", "create the folder") }
        }
    }

    private func collect(_ folder: Int32, path: [String], into found: inout [ReplicaObjectInfo]) throws {
        guard let stream = fdopendir(folder) else {
            close(folder)
            throw failure(path.joined(separator: "/"), "list")
        }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            var info = stat()
            guard fstatat(dirfd(stream), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let childPath = path + [name]
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                let child = openat(dirfd(stream), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { continue }
                try collect(child, path: childPath, into: &found)
            case S_IFREG:
                if let key = try? ReplicaKey(childPath.joined(separator: "/")) {
                    found.append(ReplicaObjectInfo(key: key, size: Int(info.st_size)))
                }
            default:
                continue
            }
        }
    }

    private func failure(_ relative: String, _ operation: String) -> FileObjectStoreError {
        .system(path: path(relative), operation: operation, reason: String(cString: strerror(errno)))
    }
}

/// Why a file replica refused or failed an operation.
public enum FileObjectStoreError: Error, Equatable, CustomStringConvertible {
    /// A symbolic link inside the replica, which could lead out of it.
    case symbolicLink(path: String)
    case notAFile(path: String)
    case system(path: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case .symbolicLink(let path): "\(path) is a symbolic link inside the replica; replicas never follow one"
        case .notAFile(let path): "\(path) is not a regular file"
        case .system(let path, let operation, let reason): "cannot \(operation) \(path): \(reason)"
        }
    }
}
