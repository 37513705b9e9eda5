import Foundation
import Logging
import SyncropelHome
import SyncropelKit
import SyncropelStore
import Testing

@testable import SyncropelServer

/// Timed backups (SPEC 8.2, 8.4): when they run, what they write and prune, and that a failed
/// run is reported and retried rather than stopping anything.
@Suite struct BackupSchedulerTests {
    static let passphrase = "correct horse battery"

    /// A home with keys, a store with records, and a backup root, all in one scratch folder.
    final class Scratch {
        let path: String
        let home: HomeLayout
        let store: SQLiteRecordStore
        let identity: SigningIdentity

        init(records: Int = 3) async throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("spl-scheduler-\(UUID().uuidString)").path
            home = HomeLayout(root: path + "/home")
            try home.create()
            identity = try KeyFiles.create(in: home)
            store = try SQLiteRecordStore(path: home.storeFile, options: .init(createdByVersion: "test"))
            for clock in 0..<records {
                _ = try await store.ingest(
                    RecordDraft(act: .know, actor: "did:sync:user:ana", body: JSONObject(["text": "r"]), clock: Int64(clock + 1), thread: "th_a"),
                    signingWith: identity)
            }
        }

        deinit {
            try? FileManager.default.removeItem(atPath: path)
        }

        var backupRoot: BackupRoot { BackupRoot(path: path + "/backups", source: .environment) }
        var instanceFolder: String { backupRoot.instanceFolder(for: identity.didKey) }

        func scheduler(
            auto: Bool = true, intervalSecs: Int? = 1, retentionDays: Int = 14, passphrase: String? = passphrase
        ) -> BackupScheduler {
            BackupScheduler(
                settings: HomeConfig.Backup(retentionDays: retentionDays, intervalSecs: intervalSecs, auto: auto),
                store: store, home: home, backupRoot: backupRoot, did: identity.didKey, passphrase: passphrase,
                logger: Logger(label: "backup-test"))
        }

        func files() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: instanceFolder)) ?? []).sorted()
        }
    }

    /// Polls until `condition` holds; generous, since a loaded 2-core machine can be slow.
    private func waitFor(
        _ scheduler: BackupScheduler, seconds: Double = 60, _ condition: (BackupScheduler.Status) -> Bool
    ) async throws -> BackupScheduler.Status {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let status = await scheduler.status
            if condition(status) { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = await scheduler.status
        try #require(condition(status), "condition not met within \(seconds) s: \(status)")
        return status
    }

    @Test func dailyRunsAtTheNextUTCTimeOfDay() throws {
        let schedule = BackupScheduler.Schedule.daily(at: try #require(HomeConfig.DailyTime("03:00")))
        let before = try Date("2026-11-27T02:59:59Z", strategy: .iso8601)
        #expect(schedule.nextRun(after: before) == (try Date("2026-11-27T03:00:00Z", strategy: .iso8601)))
        let at = try Date("2026-11-27T03:00:00Z", strategy: .iso8601)
        #expect(schedule.nextRun(after: at) == (try Date("2026-11-28T03:00:00Z", strategy: .iso8601)))
        let lateInYear = try Date("2026-12-31T23:30:00Z", strategy: .iso8601)
        #expect(schedule.nextRun(after: lateInYear) == (try Date("2027-01-01T03:00:00Z", strategy: .iso8601)))
        #expect(schedule.description == "daily 03:00 UTC")
    }

    @Test func anIntervalWinsOverTheTimeOfDay() throws {
        let settings = HomeConfig.Backup(dailyAt: try #require(HomeConfig.DailyTime("07:05")), intervalSecs: 5)
        let schedule = BackupScheduler.Schedule(settings)
        #expect(schedule == .every(seconds: 5))
        #expect(schedule.description == "every 5 s")
        let now = Date()
        #expect(schedule.nextRun(after: now) == now.addingTimeInterval(5))
        #expect(BackupScheduler.Schedule(HomeConfig.Backup()) == .daily(at: HomeConfig.DailyTime(hour: 3, minute: 0)!))
    }

    @Test func writesTimestampedBackupsWithSealedKeys() async throws {
        let scratch = try await Scratch()
        let scheduler = scratch.scheduler()
        await scheduler.start()
        let status = try await waitFor(scheduler) { $0.lastRunAt != nil }
        await scheduler.stop()
        let path = try #require(status.lastPath)
        #expect(status.lastError == nil)
        #expect(status.lastRecords == 3)
        #expect(status.enabled && status.identitySealed)
        let name = URL(fileURLWithPath: path).lastPathComponent
        #expect(TimestampedBackupName.date(ofName: name) != nil)
        let keys = try #require(TimestampedBackupName.sealedKeysName(forBackup: name))
        #expect(scratch.files().contains(keys))
        #expect(try BackupFileInfo.read(path)?.recordCount == 3)
        let restored = HomeLayout(root: scratch.path + "/restored")
        try SealedKeys.restore(from: scratch.instanceFolder + "/" + keys, passphrase: Self.passphrase, into: restored, force: false)
        #expect(try KeyFiles.load(from: restored).didKey == scratch.identity.didKey)
        #expect(await scheduler.status.nextRunAt == nil)
    }

    @Test func withoutAPassphraseOnlyTheStoreIsBackedUp() async throws {
        let scratch = try await Scratch()
        let scheduler = scratch.scheduler(passphrase: "")
        await scheduler.start()
        let status = try await waitFor(scheduler) { $0.lastRunAt != nil }
        await scheduler.stop()
        #expect(status.lastError == nil && !status.identitySealed)
        #expect(!scratch.files().contains { $0.hasPrefix("keys.") })
    }

    @Test func aShortPassphraseKeepsTheBackupAndSaysWhyTheKeysWereNotSealed() async throws {
        let scratch = try await Scratch()
        let scheduler = scratch.scheduler(passphrase: "short")
        await scheduler.start()
        let status = try await waitFor(scheduler) { $0.lastRunAt != nil }
        await scheduler.stop()
        let path = try #require(status.lastPath)
        let keys = scratch.instanceFolder + "/" + TimestampedBackupName.sealedKeysName(forBackup: URL(fileURLWithPath: path).lastPathComponent)!
        #expect(status.lastError == "backup \(path) was written, but the keys could not be sealed to \(keys):"
            + " the backup passphrase has 5 characters, fewer than 12; set SPL_BACKUP_PASSPHRASE to a passphrase of at least 12 characters")
        #expect(!status.identitySealed)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aFailedRunIsReportedAndTheNextRunTriesAgain() async throws {
        let scratch = try await Scratch()
        // A file where the backup root's folder should be.
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: scratch.backupRoot.path))
        let scheduler = scratch.scheduler(passphrase: nil)
        await scheduler.start()
        let failed = try await waitFor(scheduler) { $0.lastError != nil }
        #expect(failed.lastError == "cannot create folder \(scratch.backupRoot.path): Not a directory; a file is in the way of a folder; move it aside")
        #expect(failed.lastPath == nil && failed.lastRecords == nil)
        try FileManager.default.removeItem(atPath: scratch.backupRoot.path)
        let recovered = try await waitFor(scheduler) { $0.lastError == nil && $0.lastPath != nil }
        await scheduler.stop()
        #expect(recovered.lastRecords == 3)
    }

    /// With hub.db.bak and the new backup, the newest old one is the third backup kept.
    @Test func prunesExpiredBackupsAndTheirKeysButKeepsThreeBackups() async throws {
        let scratch = try await Scratch()
        try PrivateFiles.makeDirectory(scratch.instanceFolder)
        let old = (1...4).map { "hub.db.2020010\($0)-030000" }
        for name in old {
            try Data("old".utf8).write(to: URL(fileURLWithPath: scratch.instanceFolder + "/" + name))
            try Data("old".utf8).write(to: URL(fileURLWithPath: scratch.instanceFolder + "/" + TimestampedBackupName.sealedKeysName(forBackup: name)!))
        }
        try Data("startup".utf8).write(to: URL(fileURLWithPath: scratch.instanceFolder + "/hub.db.bak"))
        let scheduler = scratch.scheduler(passphrase: nil)
        await scheduler.start()
        let status = try await waitFor(scheduler) { $0.lastRunAt != nil }
        await scheduler.stop()
        #expect(status.lastError == nil)
        let newest = URL(fileURLWithPath: try #require(status.lastPath)).lastPathComponent
        let expected = ["hub.db.20200104-030000", "hub.db.bak", newest, "keys.20200104-030000.sealed"].sorted()
        #expect(scratch.files() == expected)
    }

    @Test func turningOnAndOffStartsAndStopsTheSchedule() async throws {
        let scratch = try await Scratch()
        let scheduler = scratch.scheduler(auto: false, intervalSecs: 3600)
        await scheduler.setEnabled(true)
        #expect(await scheduler.status.nextRunAt == nil, "nothing runs before the instance is ready")
        await scheduler.setEnabled(false)
        await scheduler.start()
        #expect(await scheduler.status.enabled == false)
        #expect(await scheduler.status.nextRunAt == nil)
        await scheduler.setEnabled(true)
        let next = try #require(await scheduler.status.nextRunAt)
        #expect(next > Date().addingTimeInterval(3500))
        await scheduler.setEnabled(false)
        #expect(await scheduler.status.nextRunAt == nil)
        await scheduler.stop()
        await scheduler.setEnabled(true)
        #expect(await scheduler.status.nextRunAt == nil, "nothing runs after shutdown")
        #expect(scratch.files().isEmpty)
    }

    @Test func statusFieldsAreTheAPIShape() throws {
        let ranAt = try Date("2026-11-27T03:00:00Z", strategy: .iso8601)
        let status = BackupScheduler.Status(
            enabled: true, schedule: .every(seconds: 60), lastRunAt: ranAt, lastPath: "/b/hub.db.20261127-030000",
            lastRecords: 12, lastError: nil, nextRunAt: nil, identitySealed: true)
        #expect(JSONValue.object(JSONObject(status.jsonMembers)).serialized()
            == #"{"enabled":true,"schedule":"every 60 s","last_run_at":"2026-11-27T03:00:00Z","last_path":"/b/hub.db.20261127-030000","last_records":12,"last_error":null,"next_run_at":null,"identity_sealed":true}"#)
    }
}
