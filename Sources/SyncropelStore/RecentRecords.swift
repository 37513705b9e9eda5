import SyncropelKit
import Synchronization

/// The newest records of the log, as the writer committed them, held in memory so that the
/// log's followers (the derived-state fold, replicas, watchers) do not read back and parse
/// what was just written.
///
/// A profile of batch ingest at `7e71911` spent 15.5 % of the daemon's samples in the fold's
/// read-back (`records(afterSequence:)`, row decoding, `Record(canonical:)`), on the core the
/// next request's parse needs.
///
/// The window holds every record with a sequence in `(after, through]` and nothing else, so it
/// answers only reads that start inside it. That holds because every write of records to the
/// store goes through `append` or `restart` while it still holds SQLite's write lock: the
/// window changes in commit order. A read may miss a commit whose `append` has not run yet, as
/// if it had read a moment earlier; the commit's callers and its notice come after the append.
final class RecentRecords: Sendable {
    private struct Window {
        /// Every record above this sequence and up to `through` is in `records`.
        var after: Int64
        var through: Int64
        var records: [StoredRecord] = []
        /// The first held record in `records`: older ones wait to be dropped in one step.
        var start = 0
        /// The canonical bytes of the held records.
        var bytes = 0
    }

    /// At most this many records are held: two full batches, which a follower that folds as soon
    /// as a batch lands still finds here. Each held record costs its parsed form, several
    /// kilobytes (16 384 of them raised the daemon's peak by about 70 MB)…
    let recordLimit: Int
    /// …and at most this many of their canonical bytes.
    let byteLimit: Int
    private let window: Mutex<Window>

    /// An empty window above `highest`, the store's highest sequence.
    init(highest: Int64, recordLimit: Int = 2048, byteLimit: Int = 2 << 20) {
        self.recordLimit = recordLimit
        self.byteLimit = byteLimit
        window = Mutex(Window(after: highest, through: highest))
    }

    /// Adds what one commit created, in sequence order. Call it with the write lock still held,
    /// after the commit.
    func append(_ committed: some Collection<StoredRecord>) {
        guard !committed.isEmpty else { return }
        window.withLock { window in
            for stored in committed {
                // Out of order would mean a write that bypassed the window: hold nothing rather than a gap.
                guard stored.sequence > window.through else {
                    window = Window(after: .max, through: .max)
                    return
                }
                window.records.append(stored)
                window.bytes += stored.record.canonical.count
                window.through = stored.sequence
            }
            while window.records.count - window.start > recordLimit || window.bytes > byteLimit {
                let dropped = window.records[window.start]
                window.bytes -= dropped.record.canonical.count
                window.after = dropped.sequence
                window.start += 1
            }
            if window.start > window.records.count / 2 {
                window.records.removeFirst(window.start)
                window.start = 0
            }
        }
    }

    /// Empties the window above `highest`, after a write of records that did not `append` them;
    /// nil when the store's highest sequence is not known: the window then answers nothing.
    func restart(above highest: Int64?) {
        window.withLock { window in
            window = Window(after: highest ?? .max, through: highest ?? .max)
        }
    }

    /// Up to `limit` records after `sequence`, in sequence order, as a read of the store gives
    /// them (`Record.readBack`); nil when the window does not reach down to `sequence` (read the
    /// store then).
    func records(after sequence: Int64, limit: Int) -> [StoredRecord]? {
        let held = window.withLock { window -> ArraySlice<StoredRecord>? in
            guard sequence >= window.after, window.after != .max else { return nil }
            let records = window.records[window.start...]
            // The first held record after `sequence`: sequences increase through the window.
            var low = records.startIndex
            var high = records.endIndex
            while low < high {
                let middle = (low + high) / 2
                if records[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
            }
            return records[low..<(low + min(max(limit, 0), records.endIndex - low))]
        }
        return held?.map { StoredRecord(record: $0.record.readBack, sequence: $0.sequence, createdAt: $0.createdAt) }
    }

    /// How many records the window holds, for tests.
    var count: Int { window.withLock { $0.records.count - $0.start } }
}
