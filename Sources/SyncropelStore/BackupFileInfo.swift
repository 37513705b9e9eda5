import Foundation
import GRDB

/// What a backup file holds, read without changing it or creating any file beside it.
///
/// The startup backup compares it with the store to skip an unchanged copy;
/// `spl status` and `spl backup list` show it.
///
/// ```swift
/// if let info = try BackupFileInfo.read(folder + "/hub.db.bak") {
///     print("Backup: \(info.path) (\(info.recordCount) records)")
/// }
/// ```
public struct BackupFileInfo: Sendable, Equatable {
    public let path: String
    public let bytes: Int64
    public let recordCount: Int64
    /// 0 for a backup of an empty store.
    public let highestSequence: Int64
    public let modifiedAt: Date

    public init(path: String, bytes: Int64, recordCount: Int64, highestSequence: Int64, modifiedAt: Date) {
        self.path = path
        self.bytes = bytes
        self.recordCount = recordCount
        self.highestSequence = highestSequence
        self.modifiedAt = modifiedAt
    }

    /// The backup at `path`, or nil when there is no file; throws when the file is not a readable store.
    public static func read(_ path: String) throws(StoreError) -> BackupFileInfo? {
        guard let status = try DurableFile.status(path) else { return nil }
        do {
            let database = try ReadOnlyStoreFile.open(path)
            defer { try? database.close() }
            let counts = try database.read(StoreBackup.recordCounts)
            let modified = status.st_mtim
            return BackupFileInfo(
                path: path, bytes: Int64(status.st_size), recordCount: counts.recordCount, highestSequence: counts.highestSequence,
                modifiedAt: Date(timeIntervalSince1970: Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9))
        } catch {
            throw StoreError.from(error, path: path)
        }
    }
}
