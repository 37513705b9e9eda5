import Dispatch
import SyncropelKit

/// Why `spl store copy` stopped; nothing it already appended is undone, and a rerun resumes.
public enum StoreCopyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The destination holds another instance's records.
    case differentInstance(source: String, destination: String)
    /// The destination already holds records that are not the source's first ones.
    case notAPrefix(destination: String, sequence: Int64, sourceID: String?, destinationID: String)
    /// A source record failed its check: the copy never carries a record that does not earn its address.
    case badRecord(source: String, sequence: Int64, reason: String)
    /// The source's sequences jump (a restore's assignment floor); a copy appends only gapless runs.
    case sequenceJump(source: String, after: Int64, next: Int64)

    public var description: String {
        switch self {
        case .differentInstance(let source, let destination):
            "the destination holds the records of \(destination), the source those of \(source); copy into an empty store"
        case .notAPrefix(let destination, let sequence, let sourceID, let destinationID):
            "\(destination) holds record \(destinationID) at sequence \(sequence) where the source holds "
                + "\(sourceID ?? "nothing"); it is not a partial copy of the source, so the copy cannot resume into it; "
                + "copy into an empty store"
        case .badRecord(let source, let sequence, let reason):
            "record at sequence \(sequence) of \(source) failed its check: \(reason); run 'spl backup verify' on the source; nothing past it was copied"
        case .sequenceJump(let source, let after, let next):
            "\(source) jumps from sequence \(after) to \(next) (a restore's assignment floor); store copy carries only gapless logs"
        }
    }
}

/// Moves an instance's log from one store to another, record for record (`spl store copy`).
///
/// Every record keeps its sequence, `created_at` and signature; each is read back from its
/// canonical bytes (the id re-hashed) and its signature checked before it is appended, a
/// batch per transaction. A copy that stopped resumes where the destination ends, once the
/// destination's last record is shown to be the source's record at that sequence.
///
/// ```swift
/// let result = try await StoreCopy(from: sqlite, to: postgres).run { print($0.copied, "/", $0.total) }
/// ```
public struct StoreCopy: Sendable {
    public struct Progress: Sendable, Equatable {
        /// The highest sequence the destination holds now.
        public let copied: Int64
        /// The highest sequence of the source when the copy started.
        public let total: Int64
    }

    public struct Result: Sendable, Equatable {
        /// Records appended by this run.
        public let appended: Int64
        /// The destination's highest sequence before this run: what an earlier run had copied.
        public let resumedAt: Int64
        public let highestSequence: Int64
    }

    let source: any RecordStore
    let destination: any RecordStore
    let batchSize: Int

    public init(from source: any RecordStore, to destination: any RecordStore, batchSize: Int = 10_000) {
        self.source = source
        self.destination = destination
        self.batchSize = batchSize
    }

    public func run(progress: (@Sendable (Progress) -> Void)? = nil) async throws -> Result {
        try await refuseOtherInstance()
        let total = try await source.counts().highestSequence
        let start = try await resumePoint(sourceHighest: total)
        var position = start
        progress?(Progress(copied: position, total: total))
        while position < total {
            let batch = try await source.records(afterSequence: position, limit: batchSize)
            guard let last = batch.last else { break }
            try check(batch, after: position)
            try await destination.appendVerbatim(batch)
            position = last.sequence
            progress?(Progress(copied: position, total: total))
        }
        return Result(appended: position - start, resumedAt: start, highestSequence: position)
    }

    private func refuseOtherInstance() async throws {
        let from = try await source.metadata().instanceDID
        let to = try await destination.metadata().instanceDID
        if let from, let to, from != to, try await destination.counts().records > 0 {
            throw StoreCopyError.differentInstance(source: from, destination: to)
        }
    }

    /// The destination's highest sequence, once its record there is the source's.
    private func resumePoint(sourceHighest: Int64) async throws -> Int64 {
        let highest = try await destination.counts().highestSequence
        guard highest > 0 else { return 0 }
        guard let ours = try await destination.records(afterSequence: highest - 1, limit: 1).first else { return 0 }
        let theirs = try await source.records(afterSequence: highest - 1, limit: 1).first
        guard let theirs, theirs.sequence == highest, theirs.record.id == ours.record.id else {
            throw StoreCopyError.notAPrefix(
                destination: destination.url, sequence: highest, sourceID: theirs?.record.id.hex, destinationID: ours.record.id.hex)
        }
        return highest
    }

    /// Gapless sequences, and every signature verified on every core; the ids were checked
    /// against the canonical bytes when the source read the rows.
    private func check(_ batch: [StoredRecord], after position: Int64) throws {
        var expected = position + 1
        for stored in batch {
            guard stored.sequence == expected else {
                throw StoreCopyError.sequenceJump(source: source.url, after: expected - 1, next: stored.sequence)
            }
            expected += 1
        }
        if let failure = Self.firstBadSignature(batch) {
            throw StoreCopyError.badRecord(source: source.url, sequence: failure.sequence, reason: failure.reason)
        }
    }

    /// The lowest-sequence record of `batch` whose signature does not verify, checked on every core.
    static func firstBadSignature(_ batch: [StoredRecord]) -> (sequence: Int64, reason: String)? {
        let failures = ContentAddressSweep.inLanes(batch) { lane -> [(sequence: Int64, reason: String)] in
            var keys = SignerKeys()
            return lane.compactMap { stored in
                do throws(RecordError) {
                    try stored.record.verifySignature(keys: &keys)
                    return nil
                } catch {
                    return (stored.sequence, error.message)
                }
            }
        }
        return failures.joined().min { $0.sequence < $1.sequence }
    }
}
