import Foundation
import SyncropelHome

/// What `spl backup replica verify` found in one generation.
public struct GenerationVerification: Sendable {
    public let generation: GenerationID
    public let snapshotSequence: Int64?
    /// The last sequence the chain reaches; nil when the generation failed before its segments.
    public let reached: Int64?
    public let segments: Int
    public let bytes: Int
    /// The first problem found, naming the object; nil when the generation is sound.
    public let problem: ReplicaError?
}

/// Checks a whole replica without restoring it: every generation's manifest, snapshot hash,
/// snapshot contents (pages, ids, signatures, exactly 1...N), and every segment through the chain.
public enum ReplicaVerification {
    /// `scratchFolder` holds each snapshot while it is checked; nothing is left in it.
    public static func run(reader: ReplicaReader, scratchFolder: String) async throws(ReplicaError) -> [GenerationVerification] {
        let listings = try await reader.generations()
        guard !listings.isEmpty else {
            throw .noGeneration(location: reader.objects.location, instanceFolder: "instance-\(reader.layout.instanceTail)")
        }
        var results: [GenerationVerification] = []
        for listing in listings {
            results.append(await verify(listing, reader: reader, scratchFolder: scratchFolder))
        }
        return results
    }

    private static func verify(_ listing: GenerationListing, reader: ReplicaReader, scratchFolder: String) async -> GenerationVerification {
        var snapshotSequence: Int64?
        do {
            let manifest = try await reader.manifest(listing.id)
            snapshotSequence = manifest.snapshotSequence
            let scratch = "\(scratchFolder)/.replica-verify-\(UInt32.random(in: .min ... .max)).db"
            try await ReplicaRestore.unpackSnapshot(reader: reader, manifest: manifest, to: scratch)
            try? PrivateFiles.remove(scratch)
            let walked = try await reader.walk(listing, manifest)
            return GenerationVerification(
                generation: listing.id, snapshotSequence: snapshotSequence, reached: walked.sequence,
                segments: listing.segments.count, bytes: listing.bytes, problem: nil)
        } catch {
            let problem = error as? ReplicaError ?? .unreadableObject(key: reader.layout.manifestKey(listing.id), reason: "\(error)")
            return GenerationVerification(
                generation: listing.id, snapshotSequence: snapshotSequence, reached: nil, segments: listing.segments.count,
                bytes: listing.bytes, problem: problem)
        }
    }
}
