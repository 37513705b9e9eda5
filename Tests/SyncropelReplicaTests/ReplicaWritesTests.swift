import Foundation
import Testing

@testable import SyncropelReplica

/// The replicator's count of what it wrote (`/health` `bytes_written`, `objects_written`,
/// `objects_deleted`) against the files the replica folder holds.
struct ReplicaWritesTests {
    @Test func everyObjectWrittenOrDeletedCountsWithItsBytes() async throws {
        let fixture = try await ReplicaFixture.withThreeSegments()
        let shipped = try files(in: fixture.folder + "/replica")
        #expect(shipped.count == 5, "generation.json, the snapshot and three segments: \(shipped.keys.sorted())")
        let beforeMerge = await fixture.replicator.status().writes
        #expect(beforeMerge == ReplicaWrites(bytes: shipped.values.reduce(0, +), objectsWritten: 5, objectsDeleted: 0))

        await fixture.replicator.mergeDue(now: Date().addingTimeInterval(601))
        let merged = try files(in: fixture.folder + "/replica")
        let mergedSegment = try #require(merged.first { $0.key.hasSuffix("0000000000000004-0000000000000009.seg.gz") })
        #expect(merged.count == 3)
        #expect(await fixture.replicator.status().writes == ReplicaWrites(
            bytes: beforeMerge.bytes + mergedSegment.value, objectsWritten: 6, objectsDeleted: 3))
    }

    /// Every regular file under `folder` with its size.
    private func files(in folder: String) throws -> [String: Int64] {
        var sizes: [String: Int64] = [:]
        for path in FileManager.default.subpaths(atPath: folder) ?? [] {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            sizes[path] = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        }
        return sizes
    }
}
