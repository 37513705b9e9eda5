import Foundation

/// The backups of one instance: which files of its folder under the backup root (and the
/// legacy `<backup root>/hub.db.bak`) are backups, of which kind, and which sealed keys
/// stand beside them.
///
/// The one place that knows the names: `spl backup list`, doctor's backup rows, retention and
/// the daemon's "restore the newest backup" hint all read this instead of a rule of their own.
/// Nothing is opened; a file being written is dot-named and never listed.
///
/// ```swift
/// let catalog = BackupCatalog.read(folder: root.instanceFolder(for: did), legacy: root.path + "/hub.db.bak")
/// print(catalog.newest?.path ?? "no backup")
/// ```
public struct BackupCatalog: Sendable {
    public enum Kind: String, Sendable {
        /// `hub.db.bak`, `hub.db.bak.1`, `hub.db.bak.2`: what each start writes and rotates.
        case startup
        /// `hub.db.<YYYYMMDD-HHMMSS>[-N]`: `spl backup now` and timed backups.
        case timestamped
        /// `hub.db.pre-v<N>`: the copy kept before a schema migration.
        case premigration = "pre-migration"
        /// `<backup root>/hub.db.bak`, read by restore tools, never written.
        case legacy
    }

    public struct Entry: Sendable, Equatable {
        public let path: String
        public let kind: Kind
        /// The stamp of a timestamped backup, else the file's modification time.
        public let time: Date
        public let modifiedAt: Date
        public let bytes: Int64
        /// The `keys.<stamp>.sealed` beside a timestamped backup, when it is there.
        public let sealedKeys: String?
    }

    /// A `keys.<stamp>.sealed` file (SPEC 8.4).
    public struct SealedKeysFile: Sendable, Equatable {
        public let path: String
        public let modifiedAt: Date
    }

    public let folder: String
    /// Every backup, newest first (by time, then path).
    public let backups: [Entry]
    public let sealedKeys: [SealedKeysFile]

    /// The backup written last, whatever its kind: what a damaged store is restored from.
    public var newest: Entry? { backups.max { $0.modifiedAt < $1.modifiedAt } }
    public var newestSealedKeys: SealedKeysFile? { sealedKeys.max { $0.modifiedAt < $1.modifiedAt } }

    /// Reads `folder` (missing: no backups) and the legacy file when given.
    public static func read(folder: String, legacy: String?) -> BackupCatalog {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var backups = names.compactMap { name -> Entry? in
            guard let kind = kind(ofName: name) else { return nil }
            let keys = TimestampedBackupName.sealedKeysName(forBackup: name).flatMap { names.contains($0) ? folder + "/" + $0 : nil }
            return entry(folder + "/" + name, kind: kind, stamp: TimestampedBackupName.date(ofName: name), sealedKeys: keys)
        }
        if let legacy, let entry = entry(legacy, kind: .legacy, stamp: nil, sealedKeys: nil) { backups.append(entry) }
        let sealedKeys = names.filter { $0.hasPrefix("keys.") && $0.hasSuffix(".sealed") }.compactMap { name in
            status(folder + "/" + name).map { SealedKeysFile(path: folder + "/" + name, modifiedAt: $0.modifiedAt) }
        }
        return BackupCatalog(folder: folder, backups: backups.sorted { ($0.time, $0.path) > ($1.time, $1.path) }, sealedKeys: sealedKeys)
    }

    /// Which backup a name in an instance folder is; nil for anything else (sealed keys, temporaries).
    public static func kind(ofName name: String) -> Kind? {
        if TimestampedBackupName.date(ofName: name) != nil { return .timestamped }
        let generation = StartupBackup.fileName + "."
        if name == StartupBackup.fileName || (name.hasPrefix(generation) && Int(name.dropFirst(generation.count)) != nil) {
            return .startup
        }
        if name.hasPrefix("hub.db.pre-v"), Int(name.dropFirst("hub.db.pre-v".count)) != nil { return .premigration }
        return nil
    }

    private static func entry(_ path: String, kind: Kind, stamp: Date?, sealedKeys: String?) -> Entry? {
        guard let (modifiedAt, bytes) = status(path) else { return nil }
        return Entry(path: path, kind: kind, time: stamp ?? modifiedAt, modifiedAt: modifiedAt, bytes: bytes, sealedKeys: sealedKeys)
    }

    /// Modification time and size of a regular file; nil for anything else or nothing.
    private static func status(_ path: String) -> (modifiedAt: Date, bytes: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let modified = info.st_mtim
        return (Date(timeIntervalSince1970: Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9), Int64(info.st_size))
    }
}
