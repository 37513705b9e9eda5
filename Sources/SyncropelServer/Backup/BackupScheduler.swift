import Foundation
import Logging
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// Timed backups by the running daemon (SPEC 8.2 `spl backup --auto`): one task that sleeps
/// until the next run, writes a timestamped backup (with the keys sealed beside it when the
/// daemon has `SPL_BACKUP_PASSPHRASE`, SPEC 8.4), then prunes by `[backup] retention_days`.
///
/// A failed run is an ERROR log line and `Status.lastError`; it never stops the daemon, and the
/// next run tries again. Turning backups off, or shutting down, lets a run in progress finish,
/// so the store is never closed under a copy.
///
/// ```swift
/// let scheduler = BackupScheduler(settings: config.backup, store: store, home: home, backupRoot: root,
///                                 did: identity.didKey, passphrase: env["SPL_BACKUP_PASSPHRASE"], logger: logger)
/// await scheduler.start()          // at ready: runs if [backup] auto = true
/// await scheduler.setEnabled(true) // POST /v1/admin/backup/auto
/// await scheduler.stop()           // at shutdown
/// ```
public actor BackupScheduler {
    public let schedule: Schedule
    private let job: Job
    private let logger: Logger
    private var enabled: Bool
    /// Between `start()` at ready and `stop()` at shutdown: only then may runs start.
    private var isActive = false
    private var loop: Task<Void, Never>?
    private var nextRunAt: Date?
    private var lastRun: LastRun?

    /// `passphrase` is the daemon's `SPL_BACKUP_PASSPHRASE`; nil or empty means keys are not sealed.
    /// One that is too short is kept, so every run reports why the keys were not sealed.
    public init(
        settings: HomeConfig.Backup, store: any RecordStore, home: HomeLayout, backupRoot: BackupRoot, did: DIDKey,
        passphrase: String?, logger: Logger
    ) {
        schedule = Schedule(settings)
        enabled = settings.auto
        let phrase = passphrase.flatMap { $0.isEmpty ? nil : $0 }
        job = Job(
            store: store, home: home, backupRoot: backupRoot, did: did, passphrase: phrase,
            retentionDays: settings.retentionDays, logger: logger)
        self.logger = logger
    }

    /// Starts timed backups when they are enabled; called once the instance is ready.
    public func start() {
        isActive = true
        guard enabled else { return }
        startLoop()
        logger.info("timed backups on (\(schedule)), next at \(describe(nextRunAt))")
    }

    /// Turns timed backups on or off in the running daemon (the caller saves `[backup] auto`).
    public func setEnabled(_ value: Bool) async {
        guard value != enabled else { return }
        enabled = value
        if value {
            guard isActive else { return }
            startLoop()
            logger.info("timed backups turned on (\(schedule)), next at \(describe(nextRunAt))")
        } else {
            await stopLoop()
            logger.info("timed backups turned off")
        }
    }

    /// At shutdown: no run starts any more, and a run in progress finishes before this returns.
    public func stop() async {
        isActive = false
        await stopLoop()
    }

    public var status: Status {
        Status(
            enabled: enabled, schedule: schedule, lastRunAt: lastRun?.startedAt, lastPath: lastRun?.path,
            lastRecords: lastRun?.records, lastError: lastRun?.error, nextRunAt: nextRunAt,
            identitySealed: job.passphrase.map { $0.count >= SealedKeys.minimumPassphraseLength } ?? false)
    }

    private func startLoop() {
        guard loop == nil else { return }
        nextRunAt = schedule.nextRun(after: Date())
        loop = Task { await self.runLoop() }
    }

    private func stopLoop() async {
        guard let loop else { return }
        self.loop = nil
        nextRunAt = nil
        loop.cancel()
        await loop.value
    }

    private func runLoop() async {
        while let next = nextRunAt, await Self.sleep(until: next), !Task.isCancelled {
            nextRunAt = nil
            let startedAt = Date()
            // Detached, so cancelling the loop lets a started copy finish instead of cutting it off.
            let job = job
            lastRun = await Task.detached { await job.run(at: startedAt) }.value
            guard !Task.isCancelled else { return }
            nextRunAt = schedule.nextRun(after: Date())
        }
    }

    /// Sleeps in steps of at most a minute against the wall clock, so a suspended machine or a
    /// changed clock still runs at the UTC time asked for. False when cancelled.
    private static func sleep(until date: Date) async -> Bool {
        var remaining = date.timeIntervalSinceNow
        while remaining > 0 {
            do {
                try await Task.sleep(for: .seconds(min(remaining, 60)))
            } catch {
                return false
            }
            remaining = date.timeIntervalSinceNow
        }
        return true
    }

    private func describe(_ date: Date?) -> String {
        date.map { $0.formatted(.iso8601) } ?? "-"
    }
}

extension BackupScheduler {
    /// One timed backup and the pruning after it; everything it needs, so it runs off the actor.
    struct Job: Sendable {
        let store: any RecordStore
        let home: HomeLayout
        let backupRoot: BackupRoot
        let did: DIDKey
        let passphrase: String?
        let retentionDays: Int
        let logger: Logger

        func run(at date: Date) async -> LastRun {
            let started = ContinuousClock.now
            let folder = backupRoot.instanceFolder(for: did)
            let result: StoreBackupResult
            var sealedKeys: String?
            var problem: String?
            do {
                try PrivateFiles.makeDirectory(folder)
                let taken = try await TimestampedBackup.take(
                    store: store, into: folder, home: home, passphrase: passphrase, at: date, progress: nil)
                result = taken.backup
                sealedKeys = taken.sealedKeys
            } catch let failure as TimestampedBackupError {
                // The store copy is sound and stays; only the identity is not covered by it.
                switch failure {
                case let .keysNotSealed(backup, _, _): result = backup
                }
                problem = failure.description
            } catch {
                logger.error("timed backup failed: \(error)", metadata: ["path": "\(folder)"])
                return LastRun(startedAt: date, path: nil, records: nil, error: "\(error)")
            }
            let elapsed = started.duration(to: .now)
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            var metadata: Logger.Metadata = ["path": "\(result.path)"]
            if let sealedKeys { metadata["keys"] = "\(sealedKeys)" }
            logger.info(
                "timed backup written: \(result.recordCount) records, \(result.bytes) bytes in \(milliseconds) ms",
                metadata: metadata)
            do {
                for path in try BackupRetention.prune(folder: folder, retentionDays: retentionDays, now: date) {
                    logger.info("expired backup removed (retention \(retentionDays) days)", metadata: ["path": "\(path)"])
                }
            } catch {
                let pruning = "expired backups could not be pruned: \(error)"
                problem = problem.map { "\($0); \(pruning)" } ?? "backup \(result.path) was written, but \(pruning)"
            }
            if let problem { logger.error("timed backup incomplete: \(problem)", metadata: ["path": "\(result.path)"]) }
            return LastRun(startedAt: date, path: result.path, records: result.recordCount, error: problem)
        }
    }
}
