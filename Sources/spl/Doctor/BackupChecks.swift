import Foundation
import SyncropelHome
import SyncropelStore

/// The rows about backups: the last startup backup, the age of the newest backup of any
/// kind, and whether the identity is sealed beside one (SPEC 8.1, 8.2, 8.4).
enum BackupChecks {
    /// A newest backup older than this warns: a daily schedule has missed at least one run.
    static let maximumAge: TimeInterval = 48 * 3600

    /// `hub.db.bak` in the instance folder, and the running daemon's `backup.error` for it.
    ///
    /// A generation holding more records than the store (`storeRecords`) warns, as the daemon's
    /// start does: records were lost since that backup, and restoring it is the fix.
    static func startupBackup(_ instance: DoctorInstance, folder: BackupFolder?, storeRecords: Int64?) -> DoctorCheck {
        let name = "startup backup"
        if let error = instance.health?.value(atPath: "backup.error")?.stringValue {
            return .fail(name, "the startup backup failed: \(error)", fix: "spl restart")
        }
        if instance.health?.value(atPath: "backup.status")?.stringValue == "none" {
            return .pass(name, "none: the daemon runs on an in-memory store")
        }
        guard let folder else { return unknownFolder(name, instance) }
        let path = folder.path + "/" + StartupBackup.fileName
        let info: BackupFileInfo?
        do {
            info = try BackupFileInfo.read(path)
        } catch {
            return .fail(name, error.description, fix: instance.startOrRestart)
        }
        guard let info else { return .warn(name, "no startup backup at \(path)", fix: instance.startOrRestart) }
        if let storeRecords, let larger = StartupBackup(folder: folder.path).largerGeneration(storeRecords: storeRecords) {
            return .warn(
                name, "store has \(DoctorCheck.counted(storeRecords, "record")), backup \(larger.path) has \(larger.recordCount)",
                fix: instance.withDaemonStopped("spl backup restore " + ShellWord.quoted(larger.path)))
        }
        let records = DoctorCheck.counted(info.recordCount, "record")
        return .pass(name, "\(path) (\(age(of: info.modifiedAt, now: instance.now)) ago, \(records))")
    }

    /// The newest file of any kind: none, or one older than 48 h, warns.
    static func newestBackup(_ instance: DoctorInstance, folder: BackupFolder?) -> DoctorCheck {
        let name = "newest backup"
        guard let folder else { return unknownFolder(name, instance) }
        guard let newest = folder.newestBackup else {
            return .warn(name, "no backup in \(folder.path)", fix: "spl backup now")
        }
        let age = age(of: newest.modifiedAt, now: instance.now)
        guard instance.now.timeIntervalSince(newest.modifiedAt) <= maximumAge else {
            return .warn(name, "\(newest.path) is \(age) old, over 48h", fix: "spl backup now")
        }
        return .pass(name, "\(newest.path) (\(age) ago)")
    }

    /// The identity is covered once a backup sealed the key files under the passphrase.
    static func identityBackup(_ instance: DoctorInstance, folder: BackupFolder?) -> DoctorCheck {
        let name = "identity backup"
        guard let folder else { return unknownFolder(name, instance) }
        guard let sealed = folder.newestSealedKeys else {
            let detail = "no sealed keys in \(folder.path): the identity is in no backup"
            // A daemon that has the passphrase seals the keys with its next backup.
            if instance.health?.value(atPath: "backup.auto.identity_sealed")?.boolValue == true {
                return .warn(name, detail, fix: "spl backup now")
            }
            let restart = instance.isDaemonRunning ? " spl restart &&" : ""
            return .warn(name, detail, fix: "SPL_BACKUP_PASSPHRASE='<12 or more characters>'\(restart) spl backup now")
        }
        return .pass(name, "\(sealed.path) (\(age(of: sealed.modifiedAt, now: instance.now)) ago)")
    }

    /// Without an identity or a backup root there is no folder to look in.
    private static func unknownFolder(_ name: String, _ instance: DoctorInstance) -> DoctorCheck {
        if let reason = instance.backupRootError {
            return .fail(name, reason, fix: "export SPL_BACKUP_ROOT=<absolute path of a backup folder>")
        }
        return .warn(name, "no instance identity in \(instance.home.root) yet", fix: "spl start")
    }

    private static func age(of date: Date, now: Date) -> String {
        DisplayTime.age(seconds: Int64(now.timeIntervalSince(date).rounded(.down)))
    }
}
