import SyncropelKit

/// One ingest call on its way to the writer.
///
/// Records whose clock the sender gave are made, signed and verified here, in
/// the caller's task, so the single writer only assigns clocks and inserts.
struct IngestRequest: Sendable {
    enum Entry: Sendable {
        case ready(Record)
        case needsClock(RecordDraft)

        /// The thread whose next clock this entry takes, or nil when the sender gave one.
        var threadNeedingClock: String? {
            if case .needsClock(let draft) = self { draft.thread } else { nil }
        }
    }

    let entries: [Entry]
    let signer: SigningIdentity?
    /// Errors inside a batch name their record: `records[3].clock`.
    let isBatch: Bool

    init(drafts: [RecordDraft], signer: SigningIdentity?, isBatch: Bool) throws {
        self.signer = signer
        self.isBatch = isBatch
        var entries: [Entry] = []
        entries.reserveCapacity(drafts.count)
        for (index, draft) in drafts.enumerated() {
            guard draft.clock != nil else {
                entries.append(.needsClock(draft))
                continue
            }
            do {
                entries.append(.ready(try IngestRequest.finish(draft.record(), signer: signer)))
            } catch let error as RecordError {
                throw isBatch ? error.inBatch(at: index) : error
            }
        }
        self.entries = entries
    }

    /// Signs an unsigned record when a signer is given; verifies a signature the record arrived with.
    ///
    /// A signature made here is not verified again: that would cost an Ed25519
    /// verification per record on the ingest path for nothing.
    static func finish(_ record: Record, signer: SigningIdentity?) throws -> Record {
        if record.signature == nil, let signer {
            do {
                return try signer.sign(record)
            } catch {
                throw StoreError.signingFailed(reason: String(describing: error))
            }
        }
        try record.verifySignature()
        return record
    }

    /// The record `entry` stores: as it came, or the draft given `clock` (the thread's next
    /// clock, which the writer looks up for such an entry) and then signed.
    func record(_ entry: Entry, clock: Int64?) throws -> Record {
        switch entry {
        case .ready(let record): record
        case .needsClock(let draft): try Self.finish(draft.record(assignedClock: clock ?? 0), signer: signer)
        }
    }

    func locate(_ error: RecordError, at index: Int) -> RecordError {
        isBatch ? error.inBatch(at: index) : error
    }
}
