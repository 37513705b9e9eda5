import Foundation
import Glibc

/// Which timestamped backups `spl backup prune` removes (SPEC 8.2).
///
/// A timestamped backup (`hub.db.<YYYYMMDD-HHMMSS>[-N]`) goes when the time in its name is
/// more than `retentionDays` before now, together with its `keys.<stamp>.sealed`. The folder
/// always keeps three backups, however old, so a machine that was off for a month still has
/// copies: the startup generations present (`hub.db.bak`, `.1`, `.2`, which prune never
/// removes) count towards the three, and the newest timestamped backups make up the rest.
/// The name decides a backup's age, not the file's mtime, which a copy between hosts
/// changes. Pre-migration copies and every other file are never touched.
///
/// ```swift
/// let removed = try BackupRetention.prune(folder: instanceFolder, retentionDays: 14, now: Date())
/// removed.forEach { print("removed \($0)") }
/// ```
public enum BackupRetention {
    /// How many backups (startup generations first, then the newest timestamped) stay whatever their age.
    public static let alwaysKept = 3

    /// Removes the expired backups and their sealed keys; returns the removed paths, oldest
    /// backup first, each followed by its keys file when it had one. A missing folder holds nothing.
    public static func prune(folder: String, retentionDays: Int, now: Date) throws(StoreError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            if (try? DurableFile.status(folder)) == nil { return [] }
            throw StoreError.fileSystem(path: folder, operation: "list", reason: "\(error)")
        }
        var removed: [String] = []
        for name in expired(names: names, retentionDays: retentionDays, now: now) {
            let companions = [name] + [TimestampedBackupName.sealedKeysName(forBackup: name)].compactMap { $0 }
            for file in companions where names.contains(file) {
                let path = "\(folder)/\(file)"
                guard unlink(path) == 0 || errno == ENOENT else {
                    throw StoreError.fileSystem(path: path, operation: "remove", reason: String(cString: strerror(errno)))
                }
                removed.append(path)
            }
        }
        if !removed.isEmpty { try DurableFile.sync(folder) }
        return removed
    }

    /// The timestamped backup names among `names` that are past retention, oldest first.
    static func expired(names: [String], retentionDays: Int, now: Date) -> [String] {
        let cutoff = now.addingTimeInterval(-Double(retentionDays) * 86_400)
        let dated = names.compactMap { name in TimestampedBackupName.date(ofName: name).map { (name, $0) } }
        // Newest first; equal stamps order by their `-N` suffix, the later clash being newer.
        let newestFirst = dated.sorted { ($0.1, suffix(of: $0.0)) > ($1.1, suffix(of: $1.0)) }
        let generations = names.filter { BackupCatalog.kind(ofName: $0) == .startup }
        let keptRegardless = max(0, alwaysKept - generations.count)
        return newestFirst.dropFirst(keptRegardless).filter { $0.1 < cutoff }.map(\.0).reversed()
    }

    /// 2 for `hub.db.20261127-130405-2`, 1 for the name without a suffix.
    private static func suffix(of name: String) -> Int {
        let parts = name.split(separator: "-")
        return parts.count == 3 ? Int(parts[2]) ?? 1 : 1
    }
}
