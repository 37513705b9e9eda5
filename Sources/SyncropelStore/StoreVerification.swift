import Foundation

/// What `spl backup verify` found in a file that SQLite could open as a store.
public struct StoreVerificationReport: Sendable, Equatable {
    /// Header, page check, schema version, record count.
    public let health: StoreHealthReport
    public let pageCheck: StoreHealthCheck.PageCheck
    /// How long the header, page check and schema read took, beside the sweep's own phase times.
    public let pageCheckDuration: Duration
    /// Every record re-hashed and every signature checked.
    public let sweep: SweepReport

    public init(
        health: StoreHealthReport, pageCheck: StoreHealthCheck.PageCheck, pageCheckDuration: Duration, sweep: SweepReport
    ) {
        self.health = health
        self.pageCheck = pageCheck
        self.pageCheckDuration = pageCheckDuration
        self.sweep = sweep
    }

    public var isClean: Bool { sweep.isClean }
}

/// Why a file failed verification before its records could be read (a zero-filled file, a
/// broken page, a file that is not a store), or while they were read.
public enum StoreVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unusable(StoreHealthError)
    case unreadable(StoreError)

    public var description: String {
        switch self {
        case .unusable(let error): error.description
        case .unreadable(let error): error.description
        }
    }
}

/// Verifies a store file — a backup before it is trusted or restored (SPEC 8.2 `backup verify`).
///
/// In order: the SQLite header; `PRAGMA quick_check` (`integrity_check` when `full`); the
/// schema version; every record's id recomputed from its canonical bytes and checked against
/// its lookup columns; every signature (on every core). Read-only: a backup (no WAL content
/// beside it) is opened `immutable`, so no lock, journal, -wal or -shm file is created beside
/// it and its mtime stays as it was; a live store's non-empty -wal is read too (see `ReadOnlyStoreFile`).
///
/// ```swift
/// let report = try StoreVerification.run(file: path, full: false) { print($0.done, "/", $0.total) }
/// print(report.isClean ? "OK" : "\(report.sweep.badRecords.count) bad records")
/// ```
public enum StoreVerification {
    public static func run(
        file path: String, full: Bool, progress: (@Sendable (SweepProgress) -> Void)? = nil
    ) throws(StoreVerificationError) -> StoreVerificationReport {
        let pageCheck: StoreHealthCheck.PageCheck = full ? .integrity : .quick
        let clock = ContinuousClock()
        let started = clock.now
        let health: StoreHealthReport
        do {
            health = try StoreHealthCheck(path: path).run(pages: pageCheck)
        } catch {
            throw .unusable(error)
        }
        let pageCheckDuration = clock.now - started
        do {
            let sweep = try ContentAddressSweep.run(file: path, progress: progress)
            return StoreVerificationReport(
                health: health, pageCheck: pageCheck, pageCheckDuration: pageCheckDuration, sweep: sweep)
        } catch {
            throw .unreadable(error)
        }
    }
}
