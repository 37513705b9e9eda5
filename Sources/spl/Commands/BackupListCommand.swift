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

    /// One backup file as listed.
    struct Entry {
        enum Kind: String {
            case startup, timestamped, premigration = "pre-migration", legacy
        }

        let path: String
        let kind: Kind
        /// The stamp of a timestamped backup, else the file's modification time.
        let time: Date
        let bytes: Int64
        let info: Result<BackupFileInfo, StoreError>
        let sealedKeys: String?

        var json: JSONValue {
            var object = JSONObject([
                "path": .string(path), "kind": .string(kind.rawValue), "time": .string(time.formatted(.iso8601)),
                "bytes": .integer(JSONInteger(bytes)),
                "records": (try? info.get()).map { .integer(JSONInteger($0.recordCount)) } ?? .null,
                "highest_sequence": (try? info.get()).map { .integer(JSONInteger($0.highestSequence)) } ?? .null,
                "keys_sealed": .bool(sealedKeys != nil), "sealed_keys": sealedKeys.map(JSONValue.string) ?? .null,
            ])
            if case .failure(let error) = info { object["error"] = .string(error.description) }
            return .object(object)
        }

        var row: [String] {
            let info = try? info.get()
            return [
                time.formatted(.iso8601), kind.rawValue, String(bytes),
                info.map { String($0.recordCount) } ?? "unreadable", info.map { String($0.highestSequence) } ?? "-",
                sealedKeys == nil ? "no" : "yes", path,
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
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var entries = names.compactMap { name in entry(folder + "/" + name, name: name, siblings: names) }
        if let legacyEntry = entry(legacy, name: "", siblings: [], kind: .legacy) {
            entries.append(legacyEntry)
        }
        return entries.sorted { ($0.time, $0.path) > ($1.time, $1.path) }
    }

    private static func entry(_ path: String, name: String, siblings: [String], kind: Entry.Kind? = nil) -> Entry? {
        let stampTime = TimestampedBackupName.date(ofName: name)
        guard let kind = kind ?? self.kind(of: name, isTimestamped: stampTime != nil),
            let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        let keysName = TimestampedBackupName.sealedKeysName(forBackup: name)
        let info: Result<BackupFileInfo, StoreError>
        do {
            // The file was just listed; a nil answer means it went away since.
            guard let read = try BackupFileInfo.read(path) else { return nil }
            info = .success(read)
        } catch {
            info = .failure(error)
        }
        return Entry(
            path: path, kind: kind, time: stampTime ?? attributes[.modificationDate] as? Date ?? .distantPast,
            bytes: (attributes[.size] as? NSNumber)?.int64Value ?? 0, info: info,
            sealedKeys: keysName.flatMap { siblings.contains($0) ? (path as NSString).deletingLastPathComponent + "/" + $0 : nil })
    }

    /// Which backup a name in the instance folder is; nil for anything else (sealed keys, temporaries).
    private static func kind(of name: String, isTimestamped: Bool) -> Entry.Kind? {
        if isTimestamped { return .timestamped }
        if name == "hub.db.bak" || (name.hasPrefix("hub.db.bak.") && Int(name.dropFirst("hub.db.bak.".count)) != nil) {
            return .startup
        }
        if name.hasPrefix("hub.db.pre-v"), Int(name.dropFirst("hub.db.pre-v".count)) != nil { return .premigration }
        return nil
    }
}
