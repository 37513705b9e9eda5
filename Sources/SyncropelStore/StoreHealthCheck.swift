import Foundation
import GRDB

/// Decides whether a store file can be opened, before anything opens it for writing.
///
/// In order: the file exists and is not empty; its header reads `SQLite format 3`;
/// SQLite opens it read-only; optionally `PRAGMA quick_check` (or `integrity_check`) finds nothing; its
/// schema is one this code knows, with exactly the tables, indexes, views and triggers the
/// store creates; the `records` table can be read. The file is
/// never modified and no file is created beside it.
///
/// ```swift
/// let needsFullCheck = CleanShutdownStamp.isFullCheckNeeded(storePath: db, stampPath: stamp)
/// let report = try StoreHealthCheck(path: db).run(quickCheck: needsFullCheck)
/// ```
public struct StoreHealthCheck: Sendable {
    public let path: String

    /// The 16 bytes every SQLite 3 database starts with.
    static let headerMagic = Array("SQLite format 3\0".utf8)

    public init(path: String) {
        self.path = path
    }

    /// How much of the b-tree structure SQLite checks before the schema is read.
    public enum PageCheck: String, Sendable {
        /// Header and schema only (start-up after a clean shutdown).
        case none
        /// `PRAGMA quick_check`: every page, without comparing indexes to their tables.
        case quick = "quick_check"
        /// `PRAGMA integrity_check`: also every index against its table (`spl backup verify --full`).
        case integrity = "integrity_check"
    }

    public func run(quickCheck: Bool) throws(StoreHealthError) -> StoreHealthReport {
        try run(pages: quickCheck ? .quick : .none)
    }

    public func run(pages: PageCheck) throws(StoreHealthError) -> StoreHealthReport {
        let status: stat?
        do {
            status = try DurableFile.status(path)
        } catch {
            throw StoreHealthError.unreadable(path: path, sqliteMessage: error.description)
        }
        guard let status else { throw StoreHealthError.missing(path: path) }
        guard status.st_size > 0 else { throw StoreHealthError.empty(path: path) }
        do {
            let header = try readHeader()
            let database = try ReadOnlyStoreFile.open(path)
            defer { try? database.close() }
            return try database.read { db in
                guard header.starts(with: Self.headerMagic) else {
                    // SQLite accepted a file whose header is not its own: still not a store.
                    throw StoreHealthError.notADatabase(path: path, sqliteMessage: "the file does not start with the SQLite header")
                }
                if pages != .none {
                    try runPageCheck(pages, db)
                }
                return try inspect(db, quickChecked: pages != .none)
            }
        } catch {
            throw classify(error)
        }
    }

    private func readHeader() throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreHealthError.unreadable(path: path, sqliteMessage: "cannot open the file for reading")
        }
        defer { try? handle.close() }
        return [UInt8](try handle.read(upToCount: 100) ?? Data())
    }

    /// Reads every line the check reports; the first few become the message.
    private func runPageCheck(_ check: PageCheck, _ db: Database) throws {
        var findings: [String] = []
        var findingCount = 0
        let lines = try String.fetchCursor(db, sql: "PRAGMA \(check.rawValue)")
        while let line = try lines.next() {
            guard line != "ok" else { continue }
            findingCount += 1
            if findings.count < 3 {
                // Findings may span lines; the operator message is one line.
                findings.append(line.split(separator: "\n").joined(separator: " "))
            }
        }
        guard findingCount == 0 else {
            let more = findingCount > findings.count ? " (and \(findingCount - findings.count) more)" : ""
            throw StoreHealthError.corrupt(
                path: path, sqliteMessage: "\(check.rawValue): " + findings.joined(separator: "; ") + more)
        }
    }

    private func inspect(_ db: Database, quickChecked: Bool) throws -> StoreHealthReport {
        guard let version = try StoreSchema.schemaVersion(db) else {
            throw StoreHealthError.notAStore(path: path, reason: "it has no meta table")
        }
        guard version <= StoreSchema.currentVersion else {
            throw StoreHealthError.newerSchema(path: path, found: version, supported: StoreSchema.currentVersion)
        }
        guard try db.tableExists("records") else {
            throw StoreHealthError.notAStore(path: path, reason: "it has no records table")
        }
        let unexpected = try StoreSchema.unexpectedObjects(db, version: version)
        guard unexpected.isEmpty else {
            throw StoreHealthError.unexpectedSchema(path: path, objects: unexpected)
        }
        // The newest row walks the table's own b-tree from its root page; the
        // count may be answered from an index alone.
        let newest = try Row.fetchOne(db, sql: "SELECT sequence, length(canonical) FROM records ORDER BY sequence DESC LIMIT 1")
        // After a page check every page has been read anyway, so count the rows themselves. A start
        // that skips it (clean stop) takes the count from the thread summaries, kept in the same
        // transactions as records: count(*) walks an index of the whole log (30 ms at 1M records).
        let countSQL = quickChecked
            ? "SELECT count(*) FROM records"
            : "SELECT coalesce(sum(record_count), 0) FROM threads"
        let count = try Int64.fetchOne(db, sql: countSQL) ?? 0
        return StoreHealthReport(
            path: path, schemaVersion: version, instanceDID: try StoreSchema.metaValue(db, key: "instance_did"),
            recordCount: count, highestSequence: newest?[0] ?? 0, quickChecked: quickChecked)
    }

    private func classify(_ error: any Error) -> StoreHealthError {
        if let healthError = error as? StoreHealthError { return healthError }
        guard let databaseError = error as? DatabaseError else {
            return .unreadable(path: path, sqliteMessage: String(describing: error))
        }
        switch databaseError.resultCode {
        case .SQLITE_NOTADB:
            return .notADatabase(path: path, sqliteMessage: databaseError.operatorMessage)
        case .SQLITE_CORRUPT:
            return .corrupt(path: path, sqliteMessage: databaseError.operatorMessage)
        default:
            return .unreadable(path: path, sqliteMessage: databaseError.operatorMessage)
        }
    }
}
