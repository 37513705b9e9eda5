import ArgumentParser
import Foundation
import SyncropelKit
import SyncropelStore

/// `spl backup prune` (SPEC 8.2): retention of the timestamped backups.
struct BackupPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove timestamped backups older than [backup] retention_days (default 14).",
        discussion: """
            Each removed backup takes its keys.<stamp>.sealed with it. Three backups always stay, \
            however old: the startup generations (hub.db.bak*, never pruned) count towards them and \
            the newest timestamped backups make up the rest. Other files are never touched. With \
            -o json: {"object":"backup_prune","folder","retention_days","backups_removed","removed":[paths]}.
            """
    )

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let location = try BackupLocation.resolve()
        let days = location.config.backup.retentionDays
        let removed = try BackupRetention.prune(folder: location.instanceFolder, retentionDays: days, now: Date())
        let backups = removed.filter { !($0 as NSString).lastPathComponent.hasPrefix("keys.") }.count
        if output.json {
            print(JSONValue.object(JSONObject([
                "object": "backup_prune", "folder": .string(location.instanceFolder),
                "retention_days": .integer(JSONInteger(Int64(days))), "backups_removed": .integer(JSONInteger(Int64(backups))),
                "removed": .array(removed.map(JSONValue.string)),
            ])).serialized())
            return
        }
        for path in removed {
            print("removed \(path)")
        }
        print("pruned \(backups) backups older than \(days) days from \(location.instanceFolder)")
    }
}
