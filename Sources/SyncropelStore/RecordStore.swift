import SyncropelKit

/// The record log and what is kept beside it: the seam between the daemon and a database.
///
/// `SQLiteRecordStore` is the embedded implementation, `PostgresRecordStore` the one
/// several daemons can share. The daemon, the replicator and the CLI know a store only
/// through this protocol; opening one (a file, a URL) is the only place a backend is named.
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
    /// Where the records live, as the banner and `/health` show it: `sqlite:///path`, or
    /// `postgresql://user@host:port/database` (never with a password).
    var url: String { get }

    /// The highest sequence committed so far (0 for an empty store).
    var highestCommittedSequence: Int64 { get }

    /// Stores one record. `signer`, when given, signs the record if it arrived unsigned.
    func ingest(_ draft: RecordDraft, signingWith signer: SigningIdentity?) async throws -> IngestResult

    /// Stores a batch in one transaction: all or nothing, except that records
    /// already stored are no-ops. Results are in the order of `drafts`.
    func ingest(batch drafts: [RecordDraft], signingWith signer: SigningIdentity?) async throws -> [IngestResult]

    func record(id: RecordID) async throws -> StoredRecord?

    /// A page of a thread in (clock, sequence) order; an unknown thread gives an empty page.
    func threadRecords(_ thread: String, from position: ThreadPosition, limit: Int) async throws -> ThreadPage

    /// The same page as wire text (`ThreadPageText`), for a reader that only sends it on.
    func threadRecordsText(_ thread: String, from position: ThreadPosition, limit: Int) async throws -> ThreadPageText

    /// The records a structured query selects, in its order (see `RecordQuery`).
    func query(_ query: RecordQuery) async throws -> RecordQueryResult

    /// The highest committed sequence now, then again after every commit that created records.
    func committedSequences() -> AsyncStream<Int64>

    /// A thread's records in sequence order with `afterSequence < sequence <= throughSequence`
    /// and, when `clockAbove` is given, `clock > clockAbove`: what a watcher replays before
    /// it follows the thread live.
    func threadRecords(
        _ thread: String, afterSequence: Int64, throughSequence: Int64, clockAbove: Int64?, limit: Int
    ) async throws -> [StoredRecord]

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

    // MARK: Replication

    /// The persisted position of the replica named `replica`, or nil when it has none.
    func replicaPosition(_ replica: String) async throws -> ReplicaPosition?

    /// Moves the replica's mark; called only after the objects up to it are durable in the replica.
    func saveReplicaPosition(_ replica: String, _ position: ReplicaPosition) async throws

    /// Forgets every replica's mark: a store restored from elsewhere starts new generations.
    func dropReplicaPositions() async throws

    /// Appends records exactly as another store held them (same sequence, `created_at`,
    /// signature) in one transaction, keeping the thread summaries right; throws
    /// `VerbatimAppendError` when they do not continue the log. The caller has checked ids
    /// and signatures.
    func appendVerbatim(_ records: [StoredRecord]) async throws

    // MARK: Sharing

    /// Tries once to become the one daemon that writes a store several daemons share, telling
    /// the others `address` (`host:port`) as where writes go. True when this process now writes;
    /// a store no other process opens (a file, memory) is always claimed. After a failed claim,
    /// and after a claim is lost, writes throw `StoreError.standby` until a claim succeeds.
    func claimWriter(advertising address: String) async throws -> Bool

    /// Returns once a successful claim is lost (the connection that held it broke), or when the
    /// calling task is cancelled; a store no other process opens never loses its claim.
    func writerClaimLost() async

    /// Whether other daemons may open this store at the same time (a database; not a file).
    var isShared: Bool { get }

    // MARK: Maintenance

    /// A consistent snapshot of the store as a SQLite store file at `destination` (mode 0600,
    /// fsynced), taken while writes go on: what `spl backup verify` checks and either backend
    /// restores. On failure nothing is left behind.
    func backup(
        to destination: String, placement: StoreBackup.Placement, progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws(StoreError) -> StoreBackupResult

    /// Re-hashes every record and checks every signature, in one consistent read (see `ContentAddressSweep`).
    func sweepContentAddresses(progress: (@Sendable (SweepProgress) -> Void)?) async throws(StoreError) -> SweepReport

    /// Finishes pending writes and closes the store; later writes throw `StoreError.closed`.
    func close() async throws
}

// GRDB exports its own `Record` and `RecordError`; in this module the names mean the protocol's.
typealias Record = SyncropelKit.Record
typealias RecordError = SyncropelKit.RecordError
