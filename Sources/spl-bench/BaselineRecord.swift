import Foundation
import SyncropelKit

/// A record as the raw-insert baselines write it: the lookup columns and canonical bytes the
/// store would derive from the same envelope, computed before any clock starts.
struct BaselineRecord {
    let id: String
    let thread: String
    let actor: String
    let clock: Int64
    let act: String
    let canonical: String
    let judgedBy: String?

    /// Parses and hashes every envelope as the daemon does on ingest.
    static func parse(_ envelopes: [String]) throws -> [BaselineRecord] {
        try envelopes.map { envelope in
            let record = try RecordDraft(json: JSONParser.parse(Array(envelope.utf8))).record()
            return BaselineRecord(
                id: record.id.hex, thread: record.thread, actor: record.actor, clock: record.clock, act: record.act.rawValue,
                canonical: String(decoding: record.canonical, as: UTF8.self), judgedBy: record.judgedBy?.hex)
        }
    }

    /// Milliseconds since the epoch, as the store stamps `created_at`.
    static func createdAtNow() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
