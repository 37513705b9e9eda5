import Foundation
import Logging
import SyncropelHome
import SyncropelKit
import SyncropelStore
import Synchronization

/// Steps 4 to 8 of SPEC 5.2, run once both listeners are bound: check the store,
/// back it up, open it, fold derived state, write the bootstrap LEARN.
struct StartupSequence {
    let home: HomeLayout
    let config: HomeConfig
    let identity: SigningIdentity
    let options: ServeOptions
    let storeLocation: StoreLocation
    let backupRoot: BackupRoot
    /// The clean-shutdown stamp the previous daemon left in run/spl.lock, read before the lock was taken.
    let cleanShutdownStamp: CleanShutdownStamp?
    let version: String
    let bind: String
    let startedAt: Date
    /// The daemon's environment; `SPL_BACKUP_PASSPHRASE` is read from it.
    let environment: [String: String]
    let logger: Logger
    let reportPhase: @Sendable (String) -> Void

    func run() async throws(StartupError) -> Instance {
        reportPhase("checking")
        var migration: (from: Int, copyFolder: String)?
        if let path = storeLocation.filePath, fileSize(path) > 0 {
            let version = try checkStore(path)
            if version < SQLiteRecordStore.schemaVersion { migration = (version, try premigrationCopyFolder()) }
        }
        let store = try await openStore(premigrationCopyFolder: migration?.copyFolder)
        if let migration, let path = storeLocation.filePath {
            let copy = SQLiteRecordStore.premigrationCopyPath(path, folder: migration.copyFolder)
            logger.notice(
                "store migrated from schema \(migration.from) to \(SQLiteRecordStore.schemaVersion); the file as it was is kept at \(copy)",
                metadata: ["path": "\(path)"])
        }
        do {
            if let storeDID = try await store.metadata().instanceDID, storeDID != identity.didKey.instanceDID {
                logger.warning("store \(store.url) was created by \(storeDID), not by this home's \(identity.didKey.instanceDID)")
            }
        } catch {
            throw .store("store \(store.url) cannot be read: \(error)")
        }
        let role = try await claimWriter(store)
        let backup = await startupBackup(store)
        let derived = DerivedState(store: store, trustedSigner: identity.didKey.description, logger: Logger(label: "fold"))
        try await fold(derived, storeURL: store.url)
        let serviceAccounts = ServiceAccountWriter(store: store, identity: identity, derived: derived)
        // A standby writes nothing: the active daemon wrote these when the store was new.
        if role == .active {
            try await writeBootstrapLearn(store)
            try await mintBootstrapToken(serviceAccounts, derived: derived)
        }
        let passphrase = backupPassphrase()
        // Timed copies of an in-memory store would land in the instance folder beside the disk
        // store's backups and pass for them: a --memory daemon never takes them.
        var backupSettings = config.backup
        if storeLocation == .memory { backupSettings.auto = false }
        let autoBackup = BackupScheduler(
            settings: backupSettings, store: store, home: home, backupRoot: backupRoot, did: identity.didKey,
            passphrase: passphrase, logger: Logger(label: "backup"))
        let replication = Replication(
            replicas: config.replicas, environment: environment, home: home, store: store, did: identity.didKey,
            logger: Logger(label: "replica"))
        return Instance(
            home: home, config: config, identity: identity, store: store, storeLocation: storeLocation, derived: derived,
            backupRoot: backupRoot,
            startupBackup: backup, version: version, startedAt: startedAt, bind: bind, backupPassphrase: passphrase,
            autoBackup: autoBackup, replication: replication,
            writerElection: WriterElection(store: store, address: bind, initialRole: role, logger: Logger(label: "writer")),
            serviceAccounts: serviceAccounts,
            tcpAuthentication: !options.insecureLocalhost)
    }

    /// The start's own try for the writer claim: a store no other daemon opens is always claimed;
    /// a shared one may already have its active daemon, and this one starts as a standby.
    private func claimWriter(_ store: any RecordStore) async throws(StartupError) -> WriterElection.Role {
        do {
            guard try await store.claimWriter(advertising: bind) else {
                logger.info("standby: another daemon writes this store; serving reads until it stops", metadata: ["store": "\(store.url)"])
                return .standby
            }
            if store.isShared { logger.info("active: this daemon writes the store", metadata: ["store": "\(store.url)"]) }
            return .active
        } catch {
            throw .store("store \(store.url) cannot be claimed for writing: \(error)")
        }
    }

    /// `SPL_BOOTSTRAP_TOKEN` (its shape checked before the listeners bound) becomes the first admin
    /// token while no service account exists; later starts leave the accounts as they are.
    private func mintBootstrapToken(_ writer: ServiceAccountWriter, derived: DerivedState) async throws(StartupError) {
        do {
            guard let token = try BootstrapToken.read(environment) else { return }
            guard try await !derived.serviceAccounts().hasAccounts else { return }
            let (account, _) = try await writer.bootstrap(name: BootstrapRoute.defaultName, token: token)
            logger.info("bootstrap service account created from \(BootstrapToken.variable)", metadata: ["sa_id": "\(account.id)", "token_id": "\(token.tokenID)"])
        } catch let error as StartupError {
            throw error
        } catch {
            throw .store("the bootstrap service account could not be written: \(error)")
        }
    }

    /// `SPL_BACKUP_PASSPHRASE`, nil when unset or empty. One that is too short is still used, so each
    /// backup says the keys were not sealed and why; the start warns about it once here.
    private func backupPassphrase() -> String? {
        guard let passphrase = environment["SPL_BACKUP_PASSPHRASE"], !passphrase.isEmpty else { return nil }
        if passphrase.count < SealedKeys.minimumPassphraseLength {
            logger.warning("backups will not seal the keys: \(SealedKeysError.passphraseTooShort(characters: passphrase.count))")
        }
        return passphrase
    }

    /// Header, schema and `records` always; `quick_check` unless the file is as the last clean
    /// stop left it. Returns the file's schema version.
    private func checkStore(_ storePath: String) throws(StartupError) -> Int {
        let fullCheck = CleanShutdownStamp.isFullCheckNeeded(storePath: storePath, stamp: cleanShutdownStamp)
        let started = ContinuousClock.now
        do {
            let report = try StoreHealthCheck(path: storePath).run(quickCheck: fullCheck)
            logger.info(
                "store checked: \(report.recordCount) records, schema \(report.schemaVersion)\(fullCheck ? ", quick_check passed" : ", clean shutdown: quick_check skipped") in \(milliseconds(since: started)) ms",
                metadata: ["path": "\(storePath)"])
            return report.schemaVersion
        } catch {
            throw .store(error.description)
        }
    }

    /// The instance's backup folder, where a store of an earlier schema is copied before its
    /// migration (SPEC 4): a start that cannot keep that copy does not migrate.
    private func premigrationCopyFolder() throws(StartupError) -> String {
        do {
            return try backupRoot.createInstanceFolder(for: identity.didKey)
        } catch {
            throw .store("the store needs migrating, and the copy kept before that cannot be written: \(error)")
        }
    }

    private func openStore(premigrationCopyFolder: String?) async throws(StartupError) -> any RecordStore {
        let durability: SQLiteRecordStore.Durability = config.store.durability == .full ? .full : .normal
        do {
            switch storeLocation {
            case .memory:
                return try SQLiteRecordStore.inMemory(options: .init(
                    createdByVersion: version, instanceDID: identity.didKey.instanceDID, durability: durability))
            case .address(let address):
                let lastPercent = LastPercent()
                return try await address.open(
                    role: .creating, createdByVersion: version, instanceDID: identity.didKey.instanceDID, durability: durability,
                    premigrationCopyFolder: premigrationCopyFolder
                ) { [reportPhase] step in
                    switch step {
                    case .copying(let progress):
                        let percent = Int(progress.fractionCompleted * 100)
                        if lastPercent.advance(to: percent) { reportPhase("copy before migrating \(percent)%") }
                    case .migrating(let version):
                        reportPhase("migrating to schema \(version)")
                    }
                }
            }
        } catch {
            throw .store("\(error)")
        }
    }

    /// SPEC 8.1. A failed backup is reported, never fatal.
    private func startupBackup(_ store: any RecordStore) async -> StartupBackupReport {
        guard storeLocation != .memory else { return .none }
        reportPhase("backup 0%")
        let folder: String
        do {
            folder = try backupRoot.createInstanceFolder(for: identity.didKey)
        } catch {
            logger.error("startup backup failed: \(error)", metadata: ["path": "\(backupRoot.path)"])
            return StartupBackupReport(status: .failed, path: backupRoot.path, writtenAt: nil, records: nil, error: "\(error)")
        }
        let backup = StartupBackup(folder: folder)
        let storeBytes = storeLocation.filePath.map { fileSize($0) + fileSize($0 + "-wal") } ?? 0
        let lastPercent = LastPercent()
        let started = ContinuousClock.now
        let outcome = await backup.run(store: store, storeBytes: storeBytes) { fraction in
            let percent = Int(fraction * 100)
            if lastPercent.advance(to: percent) { reportPhase("backup \(percent)%") }
        }
        let path = backup.generationPath(0)
        switch outcome {
        case .written(let result, let warning):
            logger.info(
                "startup backup written: \(result.recordCount) records, \(result.bytes) bytes in \(milliseconds(since: started)) ms",
                metadata: ["path": "\(path)"])
            if let warning { logger.warning("\(warning)", metadata: ["path": "\(path)"]) }
            return StartupBackupReport(status: .written, path: path, writtenAt: Date(), records: result.recordCount, error: nil, warning: warning)
        case .unchanged(let info, let warning):
            logger.info("startup backup unchanged: \(info.recordCount) records in \(milliseconds(since: started)) ms", metadata: ["path": "\(path)"])
            if let warning { logger.warning("\(warning)", metadata: ["path": "\(path)"]) }
            return StartupBackupReport(
                status: .unchanged, path: path, writtenAt: info.modifiedAt, records: info.recordCount, error: nil, warning: warning)
        case .failed(_, let reason):
            logger.error("startup backup failed: \(reason)", metadata: ["path": "\(path)"])
            let previous = try? BackupFileInfo.read(path)
            return StartupBackupReport(
                status: .failed, path: path, writtenAt: previous?.modifiedAt, records: previous?.recordCount, error: reason)
        }
    }

    private func fold(_ derived: DerivedState, storeURL: String) async throws(StartupError) {
        reportPhase("folding")
        let started = ContinuousClock.now
        do {
            try await derived.loadPersisted()
            let folded = try await derived.catchUp()
            let threads = await derived.threads.threadCount
            let rules = await derived.config.rules.count
            logger.info("derived state ready: \(folded) records folded, \(threads) threads, \(rules) engine rules in \(milliseconds(since: started)) ms")
        } catch {
            throw .store("store \(storeURL) could not be folded: \(error)")
        }
    }

    /// SPEC 5.2 step 8: a new store says who made it.
    private func writeBootstrapLearn(_ store: any RecordStore) async throws(StartupError) {
        do {
            guard try await store.counts().records == 0 else { return }
            let body = JSONObject([
                "topic": "instance_bootstrap", "instance_did": .string(identity.didKey.instanceDID),
                "version": .string(version),
            ])
            let draft = RecordDraft(
                act: .learn, actor: "did:sync:system:engine", body: body, thread: RecordRules.engineConfigThread)
            let result = try await store.ingest(draft, signingWith: identity)
            logger.info("bootstrap LEARN written", metadata: ["record": "\(result.stored.id)", "thread": "\(RecordRules.engineConfigThread)"])
        } catch {
            throw .other("the bootstrap record could not be written: \(error)")
        }
    }

    private func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}

/// Reports a progress percentage only when it moves, from the backup's progress callback.
private final class LastPercent: Sendable {
    private let value = Mutex(-1)

    func advance(to percent: Int) -> Bool {
        value.withLock { last in
            guard percent > last else { return false }
            last = percent
            return true
        }
    }
}
