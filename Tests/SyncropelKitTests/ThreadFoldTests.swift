import Foundation
import Testing

@testable import SyncropelKit

@Suite struct ThreadFoldTests {
    static let alice = "did:example:alice"
    static let bob = "did:example:bob"
    static let carol = "did:example:carol"

    @Test func threadWithoutIntendIsNone() throws {
        var log = FoldLog()
        try log.add(.know, Self.alice, ["text": "fact"], clock: 1, thread: "th_a")
        let state = try #require(ThreadFold.fold(log.records).state(of: "th_a"))
        #expect(state.status == .unopened)
        #expect(state.status.rawValue == "none")
        #expect(state.opener == nil)
        #expect(ThreadFold.fold(log.records).state(of: "th_unknown") == nil)
    }

    @Test func intendOpensAndFulfillsCloses() throws {
        var log = FoldLog()
        let intend = try log.add(.intend, Self.alice, ["goal": "ship it"], clock: 1, thread: "th_a")
        #expect(ThreadFold.fold(log.records).state(of: "th_a")?.status == .open)
        try log.add(.know, Self.bob, ["summary": "done", "fulfills": .string(intend.id.hex)], clock: 2, thread: "th_a")
        let state = try #require(ThreadFold.fold(log.records).state(of: "th_a"))
        #expect(state.status == .closed)
        #expect(state.opener == ThreadOpener(id: intend.id, actor: Self.alice))
    }

    @Test func fulfillsMayBeAList() throws {
        var log = FoldLog()
        let intend = try log.add(.intend, Self.alice, ["goal": "g"], clock: 1, thread: "th_a")
        let other = String(repeating: "0", count: 64)
        try log.add(
            .know, Self.bob, ["fulfills": [.string(other), .string(intend.id.hex), 5]], clock: 2, thread: "th_a")
        #expect(ThreadFold.fold(log.records).state(of: "th_a")?.status == .closed)
    }

    @Test func cancelsCancels() throws {
        var log = FoldLog()
        let intend = try log.add(.intend, Self.alice, ["goal": "g"], clock: 1, thread: "th_a")
        try log.add(.do, Self.alice, ["cancels": .string(intend.id.hex)], clock: 2, thread: "th_a")
        #expect(ThreadFold.fold(log.records).state(of: "th_a")?.status == .cancelled)
    }

    @Test func fulfillingAnotherIntendLeavesTheThreadOpen() throws {
        var log = FoldLog()
        try log.add(.intend, Self.alice, ["goal": "main"], clock: 1, thread: "th_a")
        let sub = try log.add(.intend, Self.bob, ["goal": "sub"], clock: 2, thread: "th_a")
        try log.add(.know, Self.bob, ["fulfills": .string(sub.id.hex)], clock: 3, thread: "th_a")
        #expect(ThreadFold.fold(log.records).state(of: "th_a")?.status == .open)
    }

    @Test func fulfillsOnAnotherThreadDoesNotClose() throws {
        var log = FoldLog()
        let intend = try log.add(.intend, Self.alice, ["goal": "g"], clock: 1, thread: "th_a")
        try log.add(.know, Self.bob, ["fulfills": .string(intend.id.hex)], clock: 1, thread: "th_b")
        #expect(ThreadFold.fold(log.records).state(of: "th_a")?.status == .open)
    }

    @Test func earlierOfFulfillAndCancelDecides() throws {
        var log = FoldLog()
        let intend = try log.add(.intend, Self.alice, ["goal": "g"], clock: 1, thread: "th_a")
        try log.add(.know, Self.bob, ["fulfills": .string(intend.id.hex)], clock: 5, thread: "th_a")
        try log.add(.do, Self.alice, ["cancels": .string(intend.id.hex)], clock: 3, thread: "th_a")
        #expect(ThreadFold.fold(log.records).state(of: "th_a")?.status == .cancelled)
    }

    @Test func participantsCountAndClocks() throws {
        var log = FoldLog()
        try log.add(.intend, Self.carol, ["goal": "g"], clock: 4, thread: "th_a", createdAt: 5_000)
        try log.add(.know, Self.alice, [:], clock: 9, thread: "th_a", createdAt: 7_000)
        try log.add(.know, Self.carol, [:], clock: 2, thread: "th_a", createdAt: 6_000)
        try log.add(.know, Self.bob, [:], clock: 1, thread: "th_b", createdAt: 8_000)
        let fold = ThreadFold.fold(log.records)
        let state = try #require(fold.state(of: "th_a"))
        #expect(state.participants == [Self.alice, Self.carol])
        #expect(state.recordCount == 3)
        #expect(state.lastClock == 9)
        #expect(state.updatedAt == 7_000)
        #expect(fold.states.map(\.id) == ["th_a", "th_b"])
        #expect(fold.threadCount == 2)
        #expect(fold.watermark == 4)
    }

    @Test func canonicallyEquivalentActorsAreDistinctParticipants() throws {
        var log = FoldLog()
        try log.add(.know, "did:example:\u{e9}", [:], clock: 1, thread: "th_a")
        try log.add(.know, "did:example:e\u{301}", [:], clock: 1, thread: "th_a")
        #expect(ThreadFold.fold(log.records).state(of: "th_a")?.participants.count == 2)
    }

    @Test func openerIsTheFirstIntendByClockWhateverArrivesFirst() throws {
        var log = FoldLog()
        let late = try log.add(.intend, Self.bob, ["goal": "second"], clock: 7, thread: "th_a")
        let early = try log.add(.intend, Self.alice, ["goal": "first"], clock: 3, thread: "th_a")
        try log.add(.know, Self.bob, ["fulfills": .string(late.id.hex)], clock: 8, thread: "th_a")
        let state = try #require(ThreadFold.fold(log.records).state(of: "th_a"))
        #expect(state.opener?.id == early.id)
        #expect(state.status == .open)
    }

    @Test func stateDoesNotDependOnArrivalOrder() throws {
        var base = FoldLog()
        let intend = try base.add(.intend, Self.alice, ["goal": "g"], clock: 2, thread: "th_a", createdAt: 100)
        let sub = try base.add(.intend, Self.bob, ["goal": "sub"], clock: 5, thread: "th_a", createdAt: 101)
        try base.add(
            .know, Self.carol, ["fulfills": [.string(intend.id.hex)]], clock: 9, thread: "th_a", createdAt: 102)
        try base.add(.do, Self.bob, ["cancels": .string(sub.id.hex)], clock: 6, thread: "th_a", createdAt: 103)
        try base.add(.know, Self.bob, [:], clock: 1, thread: "th_b", createdAt: 104)
        try base.add(.intend, Self.carol, ["goal": "b"], clock: 3, thread: "th_b", createdAt: 105)
        let expected = ThreadFold.fold(base.records).states
        #expect(expected.map(\.status) == [.closed, .open])
        for permutation in FoldLog.permutations(of: base.records) {
            var log = FoldLog()
            for stored in permutation { log.add(stored.record, createdAt: stored.createdAt) }
            #expect(ThreadFold.fold(log.records).states == expected)
        }
    }

    @Test func recordsAtOrBelowTheWatermarkAreSkipped() throws {
        var log = FoldLog()
        try log.add(.know, Self.alice, [:], clock: 1, thread: "th_a")
        var fold = ThreadFold.fold(log.records)
        fold.apply(log.records[0])
        #expect(fold.state(of: "th_a")?.recordCount == 1)
    }

    @Test func resumingFromASavedStateEqualsFoldingFromScratch() throws {
        var log = FoldLog()
        let intend = try log.add(.intend, Self.alice, ["goal": "g"], clock: 1, thread: "th_a")
        try log.add(.know, Self.bob, [:], clock: 1, thread: "th_a")
        try log.add(.know, Self.bob, ["fulfills": .string(intend.id.hex)], clock: 2, thread: "th_a")
        try log.add(.intend, Self.carol, ["goal": "b"], clock: 1, thread: "th_b")
        for split in 0...log.records.count {
            var saved = try FoldLog.reloaded(ThreadFold.fold(log.records[..<split]))
            #expect(saved.watermark == Int64(split))
            for stored in log.records[split...] { saved.apply(stored) }
            #expect(saved == ThreadFold.fold(log.records))
        }
    }
}

/// A record log for fold tests: each added record gets the next `sequence`.
struct FoldLog {
    private(set) var records: [StoredRecord] = []

    @discardableResult
    mutating func add(
        _ act: Act, _ actor: String, _ body: JSONValue, clock: Int64, thread: String, judgedBy: RecordID? = nil,
        createdAt: Int64? = nil
    ) throws -> Record {
        let record = try Record(
            act: act, actor: actor, body: try #require(body.objectValue), clock: clock, thread: thread,
            judgedBy: judgedBy)
        add(record, createdAt: createdAt)
        return record
    }

    mutating func add(_ record: Record, createdAt: Int64? = nil) {
        let sequence = Int64(records.count + 1)
        records.append(StoredRecord(record: record, sequence: sequence, createdAt: createdAt ?? sequence * 1_000))
    }

    /// `value` after a trip through `JSONEncoder` and `JSONDecoder`, as the daemon saves folds.
    static func reloaded<T: Codable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }

    /// Every ordering of `items` (for a handful of them).
    static func permutations<T>(of items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index in
            var rest = items
            let first = rest.remove(at: index)
            return permutations(of: rest).map { [first] + $0 }
        }
    }
}
