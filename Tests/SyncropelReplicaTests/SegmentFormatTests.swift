import Crypto
import Foundation
import SyncropelKit
import SyncropelStore
import Testing

@testable import SyncropelReplica

struct SegmentFormatTests {
    @Test func aSegmentReadsBackAsTheRecordsItWasMadeOf() async throws {
        let fixture = try ReplicaFixture()
        let records = try await fixture.write(5)
        let generation = GenerationID.make(at: Date())
        let start = ReplicaChain(generation: generation, snapshotSHA256: String(repeating: "0", count: 64))
        var chain = start
        records.forEach { chain.append($0.id) }
        let header = SegmentHeader(
            instance: fixture.identity.didKey.description, generation: generation, first: 1, last: 5, count: 5,
            prev: start.hex, chain: chain.hex)
        let key = fixture.layout.segmentKey(generation, first: 1, last: 5)
        let bytes = try Segment.encode(header: header, records: records)

        let segment = try Segment.decode(bytes, key: key, instance: fixture.identity.didKey.description, layout: fixture.layout)

        #expect(segment.header == header)
        #expect(summary(segment.records) == summary(records))
        #expect(segment.records.map(\.record) == records.map(\.record))
        // gzip of NDJSON: the header line, then each record as canonical JSON with its place in the log.
        let lines = String(decoding: try Gzip.decompress(bytes, limit: 1 << 20), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix(#"{"chain":""#) && lines[0].contains(#""format":"spl-segment-1""#))
        #expect(lines[1] == Substring(String(decoding: try CanonicalJSON.encode(records[0].jsonValue), as: UTF8.self)))
    }

    @Test func theChainStartsFromTheGenerationAndSnapshotAndFollowsEachID() throws {
        let generation = try #require(GenerationID("20261205T081500.250Z-0a1b2c3d"))
        let start = ReplicaChain(generation: generation, snapshotSHA256: String(repeating: "a", count: 64))
        #expect(start.hex == Hex.encode(SHA256Digest.of("spl-replica-chain-1\n20261205T081500.250Z-0a1b2c3d\n" + String(repeating: "a", count: 64))))
        var next = start
        let id = try #require(RecordID(hex: String(repeating: "b", count: 64)))
        next.append(id)
        #expect(next.hex == Hex.encode(SHA256Digest.of(start.bytes + Array(id.hex.utf8))))
        #expect(ReplicaChain(hex: next.hex) == next)
    }

    @Test func generationIDsSortByTimeAndRefuseOtherShapes() throws {
        let id = try #require(GenerationID("20261205T081500.250Z-0a1b2c3d"))
        #expect(id.startedAt == Date(timeIntervalSince1970: 1_796_458_500.25))
        #expect(GenerationID.make(at: Date(timeIntervalSince1970: 1_796_458_500)).rawValue.hasPrefix("20261205T081500.000Z-"))
        for bad in ["20261205T081500.250Z", "20261205T081500.250Z-0A1B2C3D", "20261205T081500Z-0a1b2c3d", "../x-0a1b2c3d", "20261305T081500.250Z-0a1b2c3d"] {
            #expect(GenerationID(bad) == nil, "\(bad)")
        }
    }

    @Test func theLayoutNamesEveryObjectAndIgnoresOthers() throws {
        let layout = ReplicaLayout(instanceTail: "0123456789abcdef01234567")
        let generation = try #require(GenerationID("20261205T081500.250Z-0a1b2c3d"))
        let segment = layout.segmentKey(generation, first: 7, last: 1234)
        #expect(segment.rawValue == "instance-0123456789abcdef01234567/generations/20261205T081500.250Z-0a1b2c3d/segments/0000000000000007-0000000000001234.seg.gz")
        #expect(layout.classify(segment) == .segment(generation, first: 7, last: 1234))
        #expect(layout.snapshotKey(generation, sequence: 42).rawValue.hasSuffix("/snapshot-0000000000000042.db.gz"))
        #expect(layout.classify(layout.snapshotKey(generation, sequence: 42)) == .snapshot(generation, sequence: 42))
        #expect(layout.classify(layout.manifestKey(generation)) == .manifest(generation))
        let prefix = "instance-0123456789abcdef01234567/generations/20261205T081500.250Z-0a1b2c3d/"
        for other in ["segments/0000000000000009-0000000000000008.seg.gz", "segments/9-10.seg.gz", "notes.txt", "segments/x/0000000000000001-0000000000000001.seg.gz"] {
            #expect(layout.classify(try ReplicaKey(prefix + other)) == nil, "\(other)")
        }
    }
}

/// SHA-256 as bytes, for spelling out the chain rule in a test.
enum SHA256Digest {
    static func of(_ text: String) -> [UInt8] { of(Array(text.utf8)) }
    static func of(_ bytes: [UInt8]) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: bytes))
    }
}
