import Foundation
import GRDB
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

/// `threadRecordsText` is `threadRecords` written as text, byte for byte, from every position,
/// and still refuses a row whose bytes are not what its id says.
@Suite(.postgresServer, .timeLimit(.minutes(5))) struct ThreadPageTextTests {
    /// 45 records in shuffled clock order, some signed, with clock ties between actors (at every
    /// fourth clock the later actor by name writes first).
    private func thread(_ store: any RecordStore) async throws {
        var generator = SystemRandomNumberGenerator()
        let identity = SigningIdentity()
        for clock in (0..<30).shuffled(using: &generator) {
            let bob = draft(actor: "did:example:bob", clock: Int64(clock), thread: "th_text", text: "b\(clock)")
            if clock % 4 == 0 { _ = try await store.ingest(bob, signingWith: nil) }
            _ = try await store.ingest(
                draft(clock: Int64(clock), thread: "th_text", text: "a\(clock) \"é\"\n"), signingWith: clock % 2 == 0 ? identity : nil)
            if clock % 4 == 2 { _ = try await store.ingest(bob, signingWith: nil) }
        }
    }

    private func expectSame(_ store: any RecordStore, _ position: ThreadPosition, limit: Int) async throws -> ThreadPage {
        let page = try await store.threadRecords("th_text", from: position, limit: limit)
        let text = try await store.threadRecordsText("th_text", from: position, limit: limit)
        let expected = ThreadPageText(page)
        #expect(text.joined == expected.joined, "\(position)")
        #expect(text.count == page.records.count)
        #expect(text.olderCursor == page.olderCursor && text.newerCursor == page.newerCursor, "\(position)")
        return page
    }

    @Test(arguments: StoreBackend.allCases) func everyPositionGivesTheTextOfThePage(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let store = try await fixture.openStore(backend)
        try await thread(store)
        let newest = try await expectSame(store, .newest, limit: 10)
        let older = try await expectSame(store, .cursor(try #require(newest.olderCursor)), limit: 10)
        _ = try await expectSame(store, .cursor(try #require(older.newerCursor)), limit: 10)
        let since = try await expectSame(store, .sinceClock(4), limit: 7)
        _ = try await expectSame(store, .cursor(try #require(since.newerCursor)), limit: 7)
        _ = try await expectSame(store, .newest, limit: 1000)
        let none = try await store.threadRecordsText("th_nobody", from: .newest, limit: 10)
        #expect(none.text.isEmpty && none.count == 0 && none.olderCursor == nil && none.newerCursor == nil)
        let whole = try await store.threadRecordsText("th_text", from: .newest, limit: 1000)
        let parsed = try JSONParser.parse(Array("[".utf8) + whole.joined + Array("]".utf8))
        guard case .array(let records) = parsed else { throw ThreadPageTextTestError("not an array") }
        #expect(records.count == 45)
        try await store.close()
    }

    /// The thread written into a closed store, and a plain connection to its file to tamper with.
    private func closedStoreWithThread() async throws -> (fixture: StoreFixture, queue: DatabaseQueue) {
        let fixture = StoreFixture()
        let store = try fixture.openStore()
        try await thread(store)
        try await store.close()
        return (fixture, try DatabaseQueue(path: fixture.storePath))
    }

    @Test func aRowWhoseBytesDoNotHashToItsIdIsRefused() async throws {
        let (fixture, queue) = try await closedStoreWithThread()
        try await queue.write { db in
            try db.execute(sql: "UPDATE records SET canonical = replace(canonical, 'a7 ', 'A7 ') WHERE thread = 'th_text'")
        }
        try queue.close()
        let reopened = try fixture.openStore()
        await #expect(throws: StoreError.self) { try await reopened.threadRecordsText("th_text", from: .newest, limit: 100) }
        do {
            _ = try await reopened.threadRecordsText("th_text", from: .newest, limit: 100)
        } catch let error as StoreError {
            #expect("\(error)".contains("but its canonical bytes hash to"), "\(error)")
        }
        try await reopened.close()
    }

    /// Bytes that hash to their id but are not a record's canonical shape take the full decode,
    /// which refuses what is not a record and sends what is.
    @Test func bytesWithoutTheCanonicalShapeAreDecodedInstead() async throws {
        let (fixture, queue) = try await closedStoreWithThread()
        let (spacedID, garbageSequence): (String, Int64) = try await queue.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT sequence, canonical FROM records WHERE thread = 'th_text' ORDER BY clock, sequence LIMIT 2")
            let texts = [" " + (rows[0]["canonical"] as String) + "\n", #"{"act":"KNOW"}"#]
            var ids: [String] = []
            for (row, text) in zip(rows, texts) {
                let id = Array(text.utf8).withUnsafeBufferPointer { RecordID(hashing: $0) }
                try db.execute(
                    sql: "UPDATE records SET canonical = ?, id = ? WHERE sequence = ?", arguments: [text, id.hex, row["sequence"] as Int64])
                ids.append(id.hex)
            }
            return (ids[0], rows[1]["sequence"] as Int64)
        }
        try queue.close()
        let reopened = try fixture.openStore()
        do {
            _ = try await reopened.threadRecordsText("th_text", from: .sinceClock(-1), limit: 100)
            Issue.record("a record of one field was sent")
        } catch let error as StoreError {
            #expect("\(error)".contains("has a damaged record at sequence \(garbageSequence)"), "\(error)")
        }
        let first = try await reopened.threadRecordsText("th_text", from: .sinceClock(-1), limit: 1)
        let parsed = try JSONParser.parse(first.joined)
        guard case .object(let record) = parsed else { throw ThreadPageTextTestError("not one object: \(parsed)") }
        #expect(record["id"] == .string(spacedID), "the record stored with spaces around it is sent as one object")
        try await reopened.close()
    }
}

extension ThreadPageText {
    /// The records in page order, comma-separated, as a list response holds them.
    var joined: [UInt8] {
        Array(ranges.map { text[$0] }.joined(separator: [UInt8(ascii: ",")]))
    }
}

struct ThreadPageTextTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
