import ArgumentParser
import Foundation
import SyncropelKit
import SyncropelStore

/// `spl backup list [-o json]` (SPEC 8.2): offline, read-only.
struct BackupListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every backup of this instance, newest first.",
        discussion: """
            Startup generations (hub.db.bak, .1, .2), timestamped backups (hub.db.<stamp>), \
            pre-migration copies and the legacy <backup root>/hub.db.bak, each with its time \
            (UTC), size, records, highest sequence and whether its keys are sealed beside it.
            """
    )

    @OptionGroup var output: OutputOptions

    /// One backup of the catalog, with what reading its header and summaries found.
    struct Entry {
        let backup: BackupCatalog.Entry
        let info: Result<BackupFileInfo, StoreError>

        var json: JSONValue {
            var object = JSONObject([
                "path": .string(backup.path), "kind": .string(backup.kind.rawValue), "time": .string(backup.time.formatted(.iso8601)),
                "bytes": .integer(JSONInteger(backup.bytes)),
                "records": (try? info.get()).map { .integer(JSONInteger($0.recordCount)) } ?? .null,
                "highest_sequence": (try? info.get()).map { .integer(JSONInteger($0.highestSequence)) } ?? .null,
                "keys_sealed": .bool(backup.sealedKeys != nil), "sealed_keys": backup.sealedKeys.map(JSONValue.string) ?? .null,
            ])
            if case .failure(let error) = info { object["error"] = .string(error.description) }
            return .object(object)
        }

        var row: [String] {
            let info = try? info.get()
            return [
                backup.time.formatted(.iso8601), backup.kind.rawValue, String(backup.bytes),
                info.map { String($0.recordCount) } ?? "unreadable", info.map { String($0.highestSequence) } ?? "-",
                backup.sealedKeys == nil ? "no" : "yes", backup.path,
            ]
        }
    }

    func run() async throws {
        let location = try BackupLocation.resolve()
        let entries = Self.entries(folder: location.instanceFolder, legacy: location.legacyBackup)
        output.printList(entries.map(\.json), empty: "no backups in \(location.instanceFolder)") { _ in
            TextTable(header: ["TIME", "KIND", "BYTES", "RECORDS", "SEQUENCE", "KEYS", "PATH"], rows: entries.map(\.row))
        }
        if !output.json {
            for entry in entries {
                if case .failure(let error) = entry.info { StandardError.write("warning: \(error)") }
            }
        }
    }

    /// Every backup of the instance folder and the legacy root file, newest first.
    static func entries(folder: String, legacy: String) -> [Entry] {
        BackupCatalog.read(folder: folder, legacy: legacy).backups.compactMap { backup -> Entry? in
            do throws(StoreError) {
                // The file was just listed; a nil answer means it went away since.
                guard let read = try BackupFileInfo.read(backup.path) else { return nil }
                return Entry(backup: backup, info: .success(read))
            } catch {
                return Entry(backup: backup, info: .failure(error))
            }
        }
    }
}
