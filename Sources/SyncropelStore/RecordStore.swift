import SyncropelKit

/// The record log and what is kept beside it: the seam between the daemon and a database.
///
/// `SQLiteRecordStore` is the embedded implementation; a PostgreSQL store for
/// instances that outgrow one machine implements the same protocol.
///
/// Ingest follows SPEC 3.3: a record already stored (same id) is a success that
/// writes nothing; a different record at the same (thread, actor, clock) is
/// refused with `DUPLICATE_CLOCK`; a draft without a clock gets the thread's
/// highest clock + 1. Refused records throw `RecordError` (located with
/// `inBatch(at:)` inside a batch); store failures throw `StoreError`. Page
/// limits are clamped to 1 ... 100 000.
///
/// ```swift
/// let result = try await store.ingest(draft, signingWith: instanceKey)
/// print(result.status, result.id, result.sequence)
/// ```
public protocol RecordStore: Sendable {
    /// Stores one record. `signer`, when given, signs the record if it arrived unsigned.
    func ingest(_ draft: RecordDraft, signingWith signer: SigningIdentity?) async throws -> IngestResult

    /// Stores a batch in one transaction: all or nothing, except that records
    /// already stored are no-ops. Results are in the order of `drafts`.
    func ingest(batch drafts: [RecordDraft], signingWith signer: SigningIdentity?) async throws -> [IngestResult]

    func record(id: RecordID) async throws -> StoredRecord?

    /// A page of a thread in (clock, sequence) order; an unknown thread gives an empty page.
    func threadRecords(_ thread: String, from position: ThreadPosition, limit: Int) async throws -> ThreadPage

    /// The records a structured query selects, in its order (see `RecordQuery`).
    func query(_ query: RecordQuery) async throws -> RecordQueryResult

    /// The highest committed sequence now, then again after every commit that created records.
    func committedSequences() -> AsyncStream<Int64>

    /// Records with a sequence above `sequence`, ascending: what a fold has not seen yet.
    func records(afterSequence sequence: Int64, limit: Int) async throws -> [StoredRecord]

    /// Every thread, most recently updated first.
    func threadSummaries() async throws -> [ThreadSummary]

    func threadSummary(id: String) async throws -> ThreadSummary?

    func counts() async throws -> StoreCounts

    func metadata() async throws -> StoreMetadata

    /// A persisted fold, or nil when there is none usable (then fold from the start).
    func loadDerivedState(name: String) async throws -> DerivedStateBlob?

    func saveDerivedState(_ blob: DerivedStateBlob) async throws

    func dropDerivedState(name: String) async throws

    /// Finishes pending writes and closes the store; later writes throw `StoreError.closed`.
    func close() async throws
}

// GRDB exports its own `Record` and `RecordError`; in this module the names mean the protocol's.
typealias Record = SyncropelKit.Record
typealias RecordError = SyncropelKit.RecordError
