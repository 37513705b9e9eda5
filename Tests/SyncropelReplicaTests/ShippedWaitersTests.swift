import Foundation
import Synchronization
import Testing

@testable import SyncropelReplica

/// `ack = "after_replica"` answers writes in groups: one move of the replica's mark releases
/// every write it covers, and a write the replica never reaches is answered `false` at its time.
@Suite(.timeLimit(.minutes(1))) struct ShippedWaitersTests {
    @Test func oneMoveOfTheMarkReleasesEveryWriteItCovers() async throws {
        let waiters = ShippedWaiters()
        let released = Answers()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sequence: Int64 in [3, 5, 7, 9] {
                group.addTask {
                    let held = await waiters.waitUntilShipped(sequence, timeout: .seconds(2))
                    released.record(sequence, held)
                }
            }
            // The replicator's pause ends as soon as a write waits beyond the mark.
            await waiters.pause(upTo: .seconds(30))
            try await waitUntil { waiters.waitingCount == 4 }
            waiters.shipped(through: 7)
            try await waitUntil { released.all.count == 3 }
            #expect(released.all == [3: true, 5: true, 7: true])
            try await group.waitForAll()
        }
        // Nothing shipped 9 before its time was up.
        #expect(released.all[9] == false)
        // A write for a record the replica already holds is answered at once.
        #expect(await waiters.waitUntilShipped(6, timeout: .seconds(2)))
    }

    @Test func aPauseWithNoWriteWaitingRunsItsTime() async {
        let waiters = ShippedWaiters()
        let started = ContinuousClock.now
        await waiters.pause(upTo: .milliseconds(200))
        #expect(ContinuousClock.now - started >= .milliseconds(200))
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "the condition did not hold within 10 s")
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// What each waiting write was answered, by its sequence.
private final class Answers: Sendable {
    private let answers = Mutex<[Int64: Bool]>([:])
    var all: [Int64: Bool] { answers.withLock { $0 } }
    func record(_ sequence: Int64, _ held: Bool) { answers.withLock { $0[sequence] = held } }
}
