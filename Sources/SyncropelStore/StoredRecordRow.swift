import Foundation
import GRDB
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
