import Dispatch
import Foundation
import GRDB
import Synchronization
import SyncropelKit

/// Re-reads every record and checks that it still earns its address.
///
/// Per row: the canonical bytes parse into a valid record, hash to the stored
/// id, are in canonical form, and agree with the lookup columns (thread, actor,
/// clock, act); then, separately, every signature verifies. Bytes exactly as the
/// canonical writer makes them are checked in one pass without being parsed
/// (`CanonicalRecordShape.canonicalFields`); anything else is parsed. The reading thread
/// decodes rows in chunks and hands each to a `SweepPipeline`, which checks it by
/// pure functions spread over every core while the next chunk is read.
///
/// ```swift
/// let report = try ContentAddressSweep.run(file: "/backups/hub.db.bak") { print($0.done, "/", $0.total) }
/// report.badRecords.forEach { print($0) }
/// ```
public enum ContentAddressSweep {
    static let chunkSize = 4096
    /// Every row in sequence order, with the columns `SweptRow` decodes, in its order.
    static let rowsSQL = """
        SELECT sequence, id, thread, actor, clock, act, canonical, judged_by, sig, signer FROM records ORDER BY sequence
        """

    /// Sweeps a store file that no daemon has open; read-only, creates no file.
    public static func run(file path: String, progress: (@Sendable (SweepProgress) -> Void)? = nil) throws(StoreError) -> SweepReport {
        do {
            let database = try ReadOnlyStoreFile.open(path)
            defer { try? database.close() }
            return try database.read { db in try run(db, progress: progress) }
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Sweeps inside one read transaction, so the records checked are one consistent state.
    static func run(_ db: Database, progress: (@Sendable (SweepProgress) -> Void)?) throws -> SweepReport {
        let total = try Int64.fetchOne(db, sql: "SELECT count(*) FROM records") ?? 0
        let pipeline = SweepPipeline(total: total, progress: progress)
        do {
            try read(db, into: pipeline)
        } catch {
            // No chunk may still be checked, or report progress, once the sweep has failed.
            _ = pipeline.finish()
            throw error
        }
        return pipeline.finish()
    }

    /// Decodes the rows in sequence order, a chunk at a time; an empty table is still one (empty) chunk.
    private static func read(_ db: Database, into pipeline: SweepPipeline) throws {
        let rows = try Row.fetchCursor(db, sql: rowsSQL)
        var chunk: [SweptRow] = []
        var handedIn = 0
        chunk.reserveCapacity(chunkSize)
        while let row = try rows.next() {
            chunk.append(try SweptRow(row))
            if chunk.count == chunkSize {
                pipeline.check(chunk)
                handedIn += 1
                chunk = []
                chunk.reserveCapacity(chunkSize)
            }
        }
        if !chunk.isEmpty || handedIn == 0 {
            pipeline.check(chunk)
        }
    }

    /// One chunk's report: content on every core, then the sound records' signatures on every core,
    /// each phase timed on its own so a caller can print each with its own rate.
    static func sweep(_ chunk: [SweptRow]) -> SweepReport {
        let clock = ContinuousClock()
        var report = SweepReport()
        var signed: [SweptRecord] = []
        report.contentDuration = clock.measure {
            for (findings, verifiable) in inLanes(chunk, checkContent) {
                report.badRecords += findings
                signed += verifiable
            }
        }
        report.signatureDuration = clock.measure {
            report.badSignatures = inLanes(signed, checkSignatures).flatMap { $0 }
        }
        report.recordsChecked = Int64(chunk.count)
        report.signaturesChecked = Int64(signed.count)
        return report
    }

    /// Content findings, and the sound records that carry a signature to verify.
    static func checkContent(_ rows: [SweptRow]) -> (findings: [SweepFinding], signed: [SweptRecord]) {
        var findings: [SweepFinding] = []
        var signed: [SweptRecord] = []
        for row in rows {
            switch row.check() {
            case .bad(let reason):
                findings.append(SweepFinding(storedID: row.storedID, sequence: row.sequence, reason: reason))
            case .signed(let signature):
                signed.append(SweptRecord(canonical: row.canonical, signature: signature, storedID: row.storedID, sequence: row.sequence))
            case .sound:
                break
            }
        }
        return (findings, signed)
    }

    /// Re-hashing and Ed25519 verification are the sweep's time (SPEC 12: both cores for `backup
    /// verify`). The items are cut into a few pieces per core rather than one: a core also running
    /// the reading thread then takes fewer pieces, instead of the other core waiting for it at the
    /// end. Results come back in item order.
    static func inLanes<Item: Sendable, Result: Sendable>(
        _ items: [Item], _ check: @Sendable ([Item]) -> Result
    ) -> [Result] {
        let pieces = min(ProcessInfo.processInfo.activeProcessorCount * piecesPerCore, items.count / minimumPerLane)
        guard pieces > 1 else { return [check(items)] }
        let results = Mutex([Result?](repeating: nil, count: pieces))
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            let range = (items.count * piece / pieces)..<(items.count * (piece + 1) / pieces)
            let result = check(Array(items[range]))
            results.withLock { $0[piece] = result }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// Below this many items per piece, starting a lane costs more than it saves.
    static let minimumPerLane = 64
    /// Enough pieces to even out cores of unequal speed, few enough that each stays worth starting.
    static let piecesPerCore = 4

    /// One signer-key memo per piece: a store's few signers are decoded once a piece, not once a record.
    static func checkSignatures(_ records: [SweptRecord]) -> [SweepFinding] {
        var keys = SignerKeys()
        return records.compactMap { swept -> SweepFinding? in
            do throws(RecordError) {
                try swept.signature.verify(over: swept.canonical, keys: &keys)
                return nil
            } catch {
                return SweepFinding(storedID: swept.storedID, sequence: swept.sequence, reason: .badSignature(error.message))
            }
        }
    }
}

/// A `records` row as the sweep reads it: lookup columns kept as stored values.
struct SweptRow: Sendable {
    let sequence: Int64
    let storedID: String
    let thread: DatabaseValue
    let actor: DatabaseValue
    let clock: DatabaseValue
    let act: DatabaseValue
    let canonical: [UInt8]
    let judgedBy: String?
    let sig: String?
    let signer: String?

    /// A row read from a database whose columns have fixed types (PostgreSQL's).
    init(
        sequence: Int64, storedID: String, thread: String, actor: String, clock: Int64, act: String,
        canonical: [UInt8], judgedBy: String?, sig: String?, signer: String?
    ) {
        self.sequence = sequence
        self.storedID = storedID
        self.thread = thread.databaseValue
        self.actor = actor.databaseValue
        self.clock = clock.databaseValue
        self.act = act.databaseValue
        self.canonical = canonical
        self.judgedBy = judgedBy
        self.sig = sig
        self.signer = signer
    }

    init(_ row: Row) throws {
        sequence = try row.decode(atIndex: 0)
        storedID = try row.decode(atIndex: 1)
        thread = row[2]
        actor = row[3]
        clock = row[4]
        act = row[5]
        canonical = try row.withUnsafeData(atIndex: 6) { [UInt8]($0 ?? Data()) }
        judgedBy = try row.decode(atIndex: 7)
        sig = try row.decode(atIndex: 8)
        signer = try row.decode(atIndex: 9)
    }

    enum Verdict {
        case bad(SweepFinding.Reason)
        /// Sound content with a signature still to verify.
        case signed(RecordSignature)
        /// Sound content, unsigned.
        case sound
    }

    func check() -> Verdict {
        let signature = RecordSignature(storedSig: sig, storedSigner: signer)
        let fields: CanonicalRecordShape.Fields
        if let canonicalFields = CanonicalRecordShape.canonicalFields(canonical) {
            // Bytes exactly as the canonical writer makes a valid record: only the hash is left.
            var stored = storedID
            guard stored.withUTF8({ id in canonical.withUnsafeBufferPointer { RecordID.hex(id, isIDOf: $0) } }) else {
                return .bad(.idMismatch(recomputed: canonical.withUnsafeBufferPointer { RecordID(hashing: $0) }))
            }
            fields = canonicalFields
        } else {
            // Anything else is parsed, which names what is wrong, if anything is.
            let record: Record
            do {
                record = try Record(canonical: canonical, judgedBy: nil, signature: signature)
            } catch {
                return .bad(.unreadable(error.message))
            }
            guard record.id.hex == storedID else { return .bad(.idMismatch(recomputed: record.id)) }
            guard record.isCanonicalFormValid else { return .bad(.notCanonical) }
            fields = CanonicalRecordShape.Fields(record)
        }
        if let mismatch = Self.mismatch("thread", thread, fields.thread.databaseValue)
            ?? Self.mismatch("actor", actor, fields.actor.databaseValue)
            ?? Self.mismatch("clock", clock, fields.clock.databaseValue)
            ?? Self.mismatch("act", act, fields.act.rawValue.databaseValue)
        {
            return .bad(mismatch)
        }
        if let judgedBy, RecordID(hex: judgedBy) == nil {
            return .bad(.badColumn(column: "judged_by", stored: judgedBy, expected: "a record id or NULL"))
        }
        if (sig == nil) != (signer == nil) {
            return .bad(.badSignature("only one of sig and signer is stored"))
        }
        if let signature { return .signed(signature) }
        // The daemon signs everything it writes on a reserved thread, and imports take only
        // records it signed: an unsigned one there had its signature stripped.
        guard !RecordRules.reservedThreads.contains(fields.thread) else {
            return .bad(.badSignature("no signature on reserved thread \(fields.thread), where the instance signs every record"))
        }
        return .sound
    }

    /// A lookup column that disagrees with the canonical bytes. One call per column, not a loop over
    /// an array of them: a sound row (nearly every row) then allocates nothing for the comparison.
    private static func mismatch(_ column: String, _ stored: DatabaseValue, _ expected: DatabaseValue) -> SweepFinding.Reason? {
        stored == expected ? nil : .badColumn(column: column, stored: stored.description, expected: expected.description)
    }
}

/// A record whose content passed, waiting for its signature check.
struct SweptRecord: Sendable {
    let canonical: [UInt8]
    let signature: RecordSignature
    let storedID: String
    let sequence: Int64
}
