import Foundation
import SyncropelHome
import SyncropelStore

/// A timestamped backup that is in place, and the sealed keys written beside it.
public struct TimestampedBackupResult: Sendable, Equatable {
    public let backup: StoreBackupResult
    /// `keys.<same stamp>.sealed` beside the backup; nil when no passphrase was given.
    public let sealedKeys: String?

    public init(backup: StoreBackupResult, sealedKeys: String?) {
        self.backup = backup
        self.sealedKeys = sealedKeys
    }
}

/// The store was backed up but its keys could not be sealed beside it: the backup stays
/// (it is sound), and the operator learns the identity is not covered.
public enum TimestampedBackupError: Error, Sendable, CustomStringConvertible {
    case keysNotSealed(backup: StoreBackupResult, keysPath: String, reason: SealedKeysError)

    public var description: String {
        switch self {
        case let .keysNotSealed(backup, keysPath, reason):
            return "backup \(backup.path) was written, but the keys could not be sealed to \(keysPath): \(reason)"
        }
    }
}

/// On-demand and daily backups (SPEC 8.2, 8.4): `hub.db.<YYYYMMDD-HHMMSS>` in UTC in the
/// instance folder, `-N` appended on a clash, never overwriting; with a passphrase, the key
/// files sealed as `keys.<same stamp>.sealed` beside it.
///
/// The copy is linked into place only if its name is still free, so two backups taken in
/// the same second (a daily one and `spl backup now`) both land, under `…` and `…-2`.
///
/// ```swift
/// let result = try await TimestampedBackup.take(
///     store: instance.store, into: folder, home: instance.home, passphrase: phrase, at: Date(), progress: nil)
/// print(result.backup.path, result.sealedKeys ?? "no keys sealed")
/// ```
public enum TimestampedBackup {
    /// Backs up the store a running daemon serves, without pausing it.
    public static func take(
        store: any RecordStore, into folder: String, home: HomeLayout, passphrase: String?, at date: Date,
        progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws -> TimestampedBackupResult {
        try await take(into: folder, home: home, passphrase: passphrase, at: date) { (destination) throws(StoreError) in
            try await store.backup(to: destination, placement: .keepingExisting, progress: progress)
        }
    }

    /// Backs up a store file no daemon has open (the caller holds the home lock).
    public static func take(
        file: String, into folder: String, home: HomeLayout, passphrase: String?, at date: Date,
        progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws -> TimestampedBackupResult {
        try await take(into: folder, home: home, passphrase: passphrase, at: date) { (destination) throws(StoreError) in
            try await StoreBackup.copy(file: file, to: destination, placement: .keepingExisting, progress: progress)
        }
    }

    /// Tries the next free name until the copy lands on one nobody took meanwhile.
    private static func take(
        into folder: String, home: HomeLayout, passphrase: String?, at date: Date,
        copy: (String) async throws(StoreError) -> StoreBackupResult
    ) async throws -> TimestampedBackupResult {
        var backup: StoreBackupResult?
        while backup == nil {
            do {
                backup = try await copy(TimestampedBackupName.unusedPath(in: folder, at: date))
            } catch {
                guard case .destinationExists = error else { throw error }
            }
        }
        let written = backup!
        guard let passphrase,
            let keysName = TimestampedBackupName.sealedKeysName(forBackup: URL(fileURLWithPath: written.path).lastPathComponent)
        else { return TimestampedBackupResult(backup: written, sealedKeys: nil) }
        let keysPath = "\(folder)/\(keysName)"
        do {
            try SealedKeys.seal(home: home, passphrase: passphrase, to: keysPath)
        } catch {
            throw TimestampedBackupError.keysNotSealed(backup: written, keysPath: keysPath, reason: error)
        }
        return TimestampedBackupResult(backup: written, sealedKeys: keysPath)
    }
}
