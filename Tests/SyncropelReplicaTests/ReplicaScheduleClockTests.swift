import Foundation
import Logging
import Synchronization
import Testing

@testable import SyncropelReplica

/// The merge schedule follows the replicator's schedule clock, so a measure can run a
/// simulated hour of shipping (spl-bench's objects per hour) without waiting for one.
struct ReplicaScheduleClockTests {
    @Test func segmentsMergeOnceTheScheduleClockPassesTenMinutes() async throws {
        let fixture = try ReplicaFixture()
        let simulated = SimulatedTime()
        let replicator = Replicator(
            settings: .init(name: "clocked", syncInterval: .seconds(1), snapshotInterval: .seconds(86_400), retention: .seconds(86_400)),
            objects: fixture.objects, store: fixture.store, did: fixture.identity.didKey, logger: Logger(label: "replica-test"),
            scheduleClock: { simulated.now })
        try await fixture.write(3)
        try await replicator.step()
        // Records written `seconds` of simulated time after the previous sync, then shipped.
        func sync(_ count: Int, after seconds: TimeInterval) async throws -> [String] {
            try await fixture.write(count)
            simulated.advance(seconds)
            try await replicator.step()
            return try await fixture.segmentKeys().map { String($0.rawValue.suffix(40)) }
        }
        #expect(try await sync(2, after: 1).count == 1)
        #expect(try await sync(2, after: 598).count == 2, "599 simulated seconds after the first segment")
        #expect(try await sync(1, after: 2) == ["0000000000000004-0000000000000008.seg.gz"], "601 simulated seconds")
        #expect(try await fixture.verificationProblems().isEmpty)
    }
}

/// A time that moves only when told to.
private final class SimulatedTime: Sendable {
    private let time = Mutex(Date())

    var now: Date { time.withLock { $0 } }

    func advance(_ seconds: TimeInterval) {
        time.withLock { $0 += seconds }
    }
}
