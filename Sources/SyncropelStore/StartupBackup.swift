import Foundation
import Glibc

/// What the startup backup did, for the banner, the log and `/health`.
public enum StartupBackupOutcome: Sendable, Equatable {
    /// A new `hub.db.bak` is in place; `warning` (one line per finding) goes on its own banner lines.
    case written(StoreBackupResult, warning: String?)
    /// The store holds what `hub.db.bak` already holds; no file was touched. `warning` says that
    /// an older generation still holds more records than the store, as at the start that kept it.
    case unchanged(BackupFileInfo, warning: String?)
    /// Nothing was written and every generation is as it was.
    case failed(path: String, reason: String)

    public var warning: String? {
        switch self {
        case .written(_, let warning), .unchanged(_, let warning): warning
        case .failed: nil
        }
    }
}

/// The copy of the store taken at every start (SPEC 8.1), kept in three generations.
///
/// `hub.db.bak` is the newest, then `hub.db.bak.1` and `hub.db.bak.2`. The new
/// copy is written completely under a temporary name before any generation
/// moves, so a failure (a full disk) leaves every generation as it was. An
/// unchanged store rotates nothing (it reads the older generations only to warn about a
/// larger one), and the generation with the most records is
/// never rotated out by a store that holds fewer: losing records and restarting
/// a few times must not push the last good copy out.
///
/// ```swift
/// let outcome = await StartupBackup(folder: instanceFolder).run(store: store, storeBytes: bytes)
/// if case .failed(_, let reason) = outcome { print("Backup: FAILED: \(reason)") }
/// ```
public struct StartupBackup: Sendable {
    public static let fileName = "hub.db.bak"
    /// Where the new copy waits until it is complete; dot-named so listings skip it.
    static let incomingName = ".hub.db.bak.incoming"
    static let generationCount = 3

    public let folder: String
    private let availableBytes: @Sendable (String) -> Int64?

    /// `availableBytes` answers the free space of a folder; tests inject a full disk.
    public init(folder: String, availableBytes: @escaping @Sendable (String) -> Int64? = StartupBackup.freeBytes(in:)) {
        self.folder = folder
        self.availableBytes = availableBytes
    }

    /// `hub.db.bak` for generation 0, `hub.db.bak.K` for the older ones.
    public static func generationName(_ index: Int) -> String {
        index == 0 ? fileName : "\(fileName).\(index)"
    }

    public func generationPath(_ index: Int) -> String {
        "\(folder)/\(Self.generationName(index))"
    }

    /// Bytes an unprivileged process may still write in `folder`, or nil when the file system does not say.
    public static func freeBytes(in folder: String) -> Int64? {
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Takes the startup backup. Never throws: a failed backup must not stop the start.
    ///
    /// `storeBytes` is the size of `hub.db` plus its `-wal`; the copy needs that plus 10 % free.
    public func run(
        store: any RecordStore, storeBytes: Int64, progress: (@Sendable (Double) -> Void)? = nil
    ) async -> StartupBackupOutcome {
        let destination = generationPath(0)
        let incoming = "\(folder)/\(Self.incomingName)"
        let newest = generation(0)
        do {
            let counts = try await store.counts()
            if let current = newest?.info,
                current.recordCount == counts.records, current.highestSequence == counts.highestSequence
            {
                return .unchanged(current, warning: shrinkWarning(storeRecords: counts.records))
            }
            // The older generations matter only to a rotation: an unchanged start never opens them.
            let generations = [newest].compactMap { $0 } + (1..<Self.generationCount).compactMap(generation)
            let needed = storeBytes + storeBytes / 10
            if let available = availableBytes(folder), available < needed {
                return .failed(
                    path: destination, reason: "not enough space: need \(needed) bytes, \(available) available in \(folder)")
            }
            let copy = try await store.backup(to: incoming, placement: .replacing) { progress?($0.fractionCompleted) }
            let survivors = Self.survivors(of: generations, storeRecords: copy.recordCount)
            // Oldest first: each move lands on a generation that is dropped or already moved on.
            for (position, survivor) in survivors.enumerated().reversed() where survivor.index != position + 1 {
                try DurableFile.move(generationPath(survivor.index), to: generationPath(position + 1))
            }
            try DurableFile.move(incoming, to: destination)
            try DurableFile.sync(folder)
            let written = StoreBackupResult(
                path: destination, bytes: copy.bytes, recordCount: copy.recordCount, highestSequence: copy.highestSequence)
            let findings = warnings(generations: generations, survivors: survivors, storeRecords: copy.recordCount)
            return .written(written, warning: findings.isEmpty ? nil : findings.joined(separator: "\n"))
        } catch {
            try? FileManager.default.removeItem(atPath: incoming)
            return .failed(path: destination, reason: Self.reason(error))
        }
    }

    /// `WARNING: store has N records, backup hub.db.bak.K has M` when a generation in the folder
    /// holds more records than the store (the newest such generation); nil otherwise.
    ///
    /// The start that kept that generation says so, and so does every later one while it is
    /// there, and `spl doctor`: a store that lost records must not look healthy after a restart.
    public func shrinkWarning(storeRecords: Int64) -> String? {
        largerGeneration(storeRecords: storeRecords).map { larger in
            Self.shrinkFinding(
                storeRecords: storeRecords, backupRecords: larger.recordCount, name: (larger.path as NSString).lastPathComponent)
        }
    }

    /// The newest generation with the most records, when it holds more than `storeRecords`.
    public func largerGeneration(storeRecords: Int64) -> BackupFileInfo? {
        let generations = (0..<Self.generationCount).compactMap(generation)
        guard let info = Self.largest(generations)?.info, storeRecords < info.recordCount else { return nil }
        return info
    }

    /// The newest generation with the most records (`max(by:)` keeps the first of equals).
    private static func largest(_ generations: [Generation]) -> Generation? {
        generations.max(by: { ($0.info?.recordCount ?? 0) < ($1.info?.recordCount ?? 0) })
    }

    private static func shrinkFinding(storeRecords: Int64, backupRecords: Int64, name: String) -> String {
        "WARNING: store has \(storeRecords) records, backup \(name) has \(backupRecords)"
    }

    /// A generation file that exists; `info` is nil when it cannot be read.
    struct Generation {
        let index: Int
        let info: BackupFileInfo?
        let readError: StoreError?
    }

    private func generation(_ index: Int) -> Generation? {
        do {
            guard let info = try BackupFileInfo.read(generationPath(index)) else { return nil }
            return Generation(index: index, info: info, readError: nil)
        } catch {
            return Generation(index: index, info: nil, readError: error)
        }
    }

    /// The existing generations that stay, newest first, once the new copy takes `hub.db.bak`.
    ///
    /// An unreadable `hub.db.bak` is the one replaced. Otherwise, with three
    /// generations, `.2` drops out unless it holds the most records of all and
    /// more than the store: then `.1` drops instead.
    static func survivors(of generations: [Generation], storeRecords: Int64) -> [Generation] {
        var kept = generations.filter { $0.index > 0 || $0.info != nil }
        guard kept.count == generationCount else { return kept }
        let most = generations.compactMap(\.info?.recordCount).max() ?? 0
        if let oldest = kept[2].info, storeRecords < oldest.recordCount, oldest.recordCount == most {
            kept.remove(at: 1)
        } else {
            kept.remove(at: 2)
        }
        return kept
    }

    /// Findings the operator must see, naming the files as they are after the rotation.
    private func warnings(generations: [Generation], survivors: [Generation], storeRecords: Int64) -> [String] {
        var warnings: [String] = []
        if let damaged = generations.first(where: { $0.index == 0 })?.readError {
            warnings.append("WARNING: backup \(Self.fileName) could not be read and was replaced: \(damaged)")
        }
        if let largest = Self.largest(generations), let records = largest.info?.recordCount, storeRecords < records,
            let position = survivors.firstIndex(where: { $0.index == largest.index })
        {
            warnings.append(
                Self.shrinkFinding(storeRecords: storeRecords, backupRecords: records, name: Self.generationName(position + 1)))
        }
        return warnings
    }

    private static func reason(_ error: any Error) -> String {
        if case StoreError.backupFailed(_, let reason) = error { return reason }
        return String(describing: error)
    }
}
