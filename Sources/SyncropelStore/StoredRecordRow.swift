import Foundation
import GRDB
import GRDBSQLite
import SyncropelKit

/// Reads a `StoredRecord` back from a `records` row.
///
/// The content comes only from the canonical bytes; the stored id is compared
/// with the one recomputed from them, so a tampered row is refused instead of
/// shown under an id it does not hash to.
enum StoredRecordRow {
    /// The columns `decode` expects, in this order.
    static let columns = "sequence, id, canonical, judged_by, sig, signer, created_at"

    static func decode(_ row: Row, path: String) throws -> StoredRecord {
        try make(
            sequence: try row.decode(atIndex: 0), storedID: try row.decode(atIndex: 1),
            canonical: try row.withUnsafeData(atIndex: 2) { [UInt8]($0 ?? Data()) }, judgedBy: try row.decode(atIndex: 3),
            sig: try row.decode(atIndex: 4), signer: try row.decode(atIndex: 5), createdAt: try row.decode(atIndex: 6),
            path: path)
    }

    /// `columns` and the clock, the columns `appendText` expects.
    static let textColumns = columns + ", clock"

    /// Appends the wire text of the row `statement` stands on (selected with `textColumns`) and
    /// returns its clock and sequence. Stored bytes with the canonical shape are re-hashed and
    /// sent as they are; any others are decoded as `decode` does, which refuses a damaged row.
    static func appendText(_ statement: Statement, path: String, to text: inout [UInt8]) throws -> (clock: Int64, sequence: Int64) {
        let row = statement.sqliteStatement
        let sequence = sqlite3_column_int64(row, 0)
        let clock = sqlite3_column_int64(row, 7)
        let storedID = bytes(row, 1)
        let canonical = bytes(row, 2)
        let judgedBy = string(row, 3)
        let sig = string(row, 4)
        let signer = string(row, 5)
        let createdAt = sqlite3_column_int64(row, 6)
        guard CanonicalRecordShape.matches(canonical) else {
            let stored = try make(
                sequence: sequence, storedID: String(decoding: storedID, as: UTF8.self), canonical: Array(canonical), judgedBy: judgedBy,
                sig: sig, signer: signer, createdAt: createdAt, path: path)
            stored.appendJSONText(to: &text)
            return (stored.record.clock, sequence)
        }
        guard RecordID.hex(storedID, isIDOf: canonical) else {
            throw StoreError.damagedRecord(
                path: path, sequence: sequence,
                reason: "filed as \(String(decoding: storedID, as: UTF8.self)) but its canonical bytes hash to \(RecordID(hashing: canonical))")
        }
        StoredRecord.appendJSONText(
            canonical: canonical, id: storedID, judgedBy: judgedBy.flatMap(RecordID.init(hex:)), sequence: sequence,
            createdAt: createdAt, signature: RecordSignature(storedSig: sig, storedSigner: signer), to: &text)
        return (clock, sequence)
    }

    /// The clock and sequence columns of the row `statement` (selected with `textColumns`) stands
    /// on, read as SQLite converts them: a damaged column orders the row oddly, and is then refused
    /// when the row itself is read.
    static func pageKey(_ statement: Statement) -> ThreadRead.Key {
        (sqlite3_column_int64(statement.sqliteStatement, 7), sqlite3_column_int64(statement.sqliteStatement, 0))
    }

    /// A column's bytes, valid until the statement steps again; empty for NULL.
    private static func bytes(_ row: OpaquePointer?, _ column: Int32) -> UnsafeBufferPointer<UInt8> {
        let start = sqlite3_column_blob(row, column)?.assumingMemoryBound(to: UInt8.self)
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(row, column)))
    }

    private static func string(_ row: OpaquePointer?, _ column: Int32) -> String? {
        guard sqlite3_column_type(row, column) != SQLITE_NULL else { return nil }
        return String(decoding: bytes(row, column), as: UTF8.self)
    }

    /// The record a row's columns make, whichever database they were read from.
    static func make(
        sequence: Int64, storedID: String, canonical: [UInt8], judgedBy: String?, sig: String?, signer: String?,
        createdAt: Int64, path: String
    ) throws -> StoredRecord {
        let signature = RecordSignature(storedSig: sig, storedSigner: signer)
        let record: Record
        do {
            record = try Record(canonical: canonical, judgedBy: judgedBy.flatMap(RecordID.init(hex:)), signature: signature)
        } catch {
            throw StoreError.damagedRecord(path: path, sequence: sequence, reason: error.message)
        }
        guard record.id.hex == storedID else {
            throw StoreError.damagedRecord(
                path: path, sequence: sequence, reason: "filed as \(storedID) but its canonical bytes hash to \(record.id)")
        }
        return StoredRecord(record: record, sequence: sequence, createdAt: createdAt)
    }
}

extension RecordSignature {
    /// Both columns or neither: a lone `sig` or `signer` is no signature.
    init?(storedSig sig: String?, storedSigner signer: String?) {
        guard let sig, let signer else { return nil }
        self.init(sig: sig, signer: signer)
    }
}
