import Foundation
import SyncropelKit
import Testing

@testable import SyncropelStore

/// The writer's window of the newest records (`RecentRecords`), which the log's followers read
/// instead of the file: it must give what a read of the file gives, and nothing it does not hold.
@Suite struct RecentRecordsTests {
    @Test func followersReadWhatWasJustCommittedAsAReadOfTheFileGivesIt() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        let bodies: [JSONObject] = [
            JSONObject(["text": "sorted"]),
            // Members out of order and an integral double: a read of the file gives them sorted, and 2 as an integer.
            JSONObject(["z": .double(2.0), "a": .object(JSONObject(["y": .double(0.5), "b": .array([.double(3.0)])]))]),
        ]
        let drafts = bodies.enumerated().map { index, body in
            RecordDraft(act: .know, actor: "did:example:alice", body: body, clock: Int64(index), thread: "th_fixture")
        }
        _ = try await store.ingest(batch: drafts)
        #expect(store.writer.recent.count == 2, "the commit's records are held")
        let held = try await store.records(afterSequence: 0, limit: 10)
        try await store.close()

        let reopened = try fixture.openStore()
        #expect(reopened.writer.recent.count == 0)
        let read = try await reopened.records(afterSequence: 0, limit: 10)
        try await reopened.close()
        #expect(held == read)
        #expect(held.map(\.record.body) == read.map(\.record.body))
        // JSONObject's == ignores order; a follower that walks the members sees the file's order.
        #expect(held[1].record.body.members.map(\.key) == ["a", "z"])
        #expect(held[1].record.body["z"] == .integer(JSONInteger(2)))
        #expect(held[1].record.body["a"]?.objectValue?.members.map(\.key) == ["b", "y"])
    }

    @Test func aClosedStoreAnswersNoReadFromMemory() async throws {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        _ = try await store.ingest(batch: [draft(clock: 0), draft(clock: 1)])
        try await store.close()
        #expect(store.writer.recent.count == 0)
        await #expect(throws: StoreError.self) { try await store.records(afterSequence: 0, limit: 10) }
    }

    @Test func recordsAppendedVerbatimAreReadFromTheFileAndLaterCommitsFromMemory() async throws {
        let source = StoreFixture()
        let written = try await source.makeStoreFile(count: 5)
        let copy = StoreFixture()
        let store = try copy.openStore()
        try await store.appendVerbatim(written.map(\.stored))
        #expect(store.writer.recent.count == 0, "a verbatim append restarts the window above it")
        #expect(try await store.records(afterSequence: 0, limit: 10) == written.map(\.stored))

        let next = try await store.ingest(draft(clock: 5))
        #expect(next.stored.sequence == 6)
        #expect(store.writer.recent.count == 1)
        #expect(try await store.records(afterSequence: 3, limit: 10) == written.map(\.stored).suffix(2) + [next.stored])
        try await store.close()
    }

    @Test func theWindowAnswersOnlyReadsThatStartInsideIt() throws {
        let window = RecentRecords(highest: 10, recordLimit: 4, byteLimit: 1 << 20)
        #expect(window.records(after: 10, limit: 5) == [])
        #expect(window.records(after: 9, limit: 5) == nil, "below the window")

        let records = try (11...16).map(Self.stored)
        window.append(Array(records[0..<2]))
        window.append(Array(records[2...]))
        // Four held: 13 ... 16; 11 and 12 were dropped, so a read from 10 or 11 goes to the file.
        #expect(window.count == 4)
        #expect(window.records(after: 11, limit: 10) == nil)
        #expect(window.records(after: 12, limit: 10) == Array(records[2...]))
        #expect(window.records(after: 13, limit: 2) == Array(records[3...4]))
        #expect(window.records(after: 16, limit: 10) == [])
        #expect(window.records(after: 14, limit: Int.max) == Array(records[4...]))
    }

    @Test func theWindowHoldsAtMostItsBytes() throws {
        let one = try Self.stored(1).record.canonical.count
        let window = RecentRecords(highest: 0, recordLimit: 100, byteLimit: 3 * one)
        window.append(try (1...5).map(Self.stored))
        #expect(window.count == 3)
        #expect(window.records(after: 1, limit: 10) == nil)
        #expect(window.records(after: 2, limit: 10)?.map(\.sequence) == [3, 4, 5])
    }

    @Test func aWriteTheWindowDidNotSeeStopsItAnswering() throws {
        let window = RecentRecords(highest: 0)
        window.append([try Self.stored(1), try Self.stored(2)])
        // A commit below what the window holds means a write went around it: it holds nothing then.
        window.append([try Self.stored(2)])
        #expect(window.records(after: 2, limit: 10) == nil)
        window.restart(above: 7)
        #expect(window.records(after: 7, limit: 10) == [])
        window.append([try Self.stored(8)])
        #expect(window.records(after: 7, limit: 10)?.map(\.sequence) == [8])
        window.restart(above: nil)
        #expect(window.records(after: 8, limit: 10) == nil)
    }

    private static func stored(_ sequence: Int64) throws -> StoredRecord {
        let record = try Record(act: .know, actor: "did:example:alice", body: JSONObject(["text": "x"]), clock: sequence, thread: "th_window")
        return StoredRecord(record: record, sequence: sequence, createdAt: 1_700_000_000_000 + sequence)
    }
}
