import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// A started instance: what the routes read and write once start-up is done.
public final class Instance: Sendable {
    public let home: HomeLayout
    public let config: HomeConfig
    public let identity: SigningIdentity
    public let store: any RecordStore
    public let storeLocation: StoreLocation
    public let derived: DerivedState
    public let backupRoot: BackupRoot
    public let startupBackup: StartupBackupReport
    public let version: String
    public let startedAt: Date
    /// `127.0.0.1:9100`, as `/health` and the banner show it.
    public let bind: String
    /// The daemon's `SPL_BACKUP_PASSPHRASE` (nil when unset or empty): timestamped backups seal
    /// the keys beside them with it (SPEC 8.4). Never logged or served.
    public let backupPassphrase: String?
    /// Timed backups (`spl backup --auto`), started at ready and stopped at shutdown.
    public let autoBackup: BackupScheduler
    /// Continuous replicas (`[[replica]]`), started at ready and stopped before the store closes.
    public let replication: Replication
    /// Whether this daemon writes the store or is a standby beside the one that does.
    public let writerElection: WriterElection
    /// Writes service accounts and tokens.
    public let serviceAccounts: ServiceAccountWriter
    /// False under `spl serve --insecure-localhost`: TCP clients are not authenticated.
    public let tcpAuthentication: Bool

    public init(
        home: HomeLayout, config: HomeConfig, identity: SigningIdentity, store: any RecordStore,
        storeLocation: StoreLocation, derived: DerivedState, backupRoot: BackupRoot, startupBackup: StartupBackupReport, version: String,
        startedAt: Date, bind: String, backupPassphrase: String?, autoBackup: BackupScheduler, replication: Replication,
        writerElection: WriterElection,
        serviceAccounts: ServiceAccountWriter, tcpAuthentication: Bool
    ) {
        self.home = home
        self.config = config
        self.identity = identity
        self.store = store
        self.storeLocation = storeLocation
        self.derived = derived
        self.backupRoot = backupRoot
        self.startupBackup = startupBackup
        self.version = version
        self.startedAt = startedAt
        self.bind = bind
        self.backupPassphrase = backupPassphrase
        self.autoBackup = autoBackup
        self.replication = replication
        self.writerElection = writerElection
        self.serviceAccounts = serviceAccounts
        self.tcpAuthentication = tcpAuthentication
    }

    public var instanceDID: String { identity.didKey.instanceDID }

    /// `spl serve --memory`: nothing of this instance is on disk, so none of its copies belong
    /// in the instance folder, which holds the backups of the store on disk.
    public var storeIsInMemory: Bool { storeLocation == .memory }
}

/// What the startup backup did, as `/health.backup` and `spl status` report it.
public struct StartupBackupReport: Sendable, Equatable {
    public enum Status: String, Sendable {
        case written, unchanged, failed, none
    }

    public let status: Status
    /// The `hub.db.bak` the start wrote or kept; nil when none exists (`--memory`).
    public let path: String?
    public let writtenAt: Date?
    public let records: Int64?
    public let error: String?
    /// `WARNING: store has N records, backup hub.db.bak.K has M`, when the store shrank.
    public let warning: String?

    public init(status: Status, path: String?, writtenAt: Date?, records: Int64?, error: String?, warning: String? = nil) {
        self.status = status
        self.path = path
        self.writtenAt = writtenAt
        self.records = records
        self.error = error
        self.warning = warning
    }

    /// What the banner's `Backup:` line shows: `<path> (written | unchanged | FAILED: <reason>)`.
    public var bannerText: String {
        switch status {
        case .written: "\(path ?? "") (written)"
        case .unchanged: "\(path ?? "") (unchanged)"
        case .failed: "\(path ?? "") (FAILED: \(error ?? "unknown"))"
        case .none: "none (in-memory store)"
        }
    }

    public static let none = StartupBackupReport(status: .none, path: nil, writtenAt: nil, records: nil, error: nil)
}
