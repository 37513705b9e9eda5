import Foundation
import Synchronization
import Testing

@testable import SyncropelServer

@Suite struct FailedAuthenticationsTests {
    final class Clock: Sendable {
        let time = Mutex<Double>(0)
        func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
    }

    @Test func theDelayGrowsPastTheThresholdThenFailuresAreRefusedUntilTheClientIsQuiet() {
        let clock = Clock()
        let failures = FailedAuthentications(
            settings: .init(threshold: 2, step: .milliseconds(10), maximumDelay: .milliseconds(25), refuseAbove: 5, forgetAfter: 60),
            now: { clock.time.withLock { $0 } })
        let penalties = (0..<6).map { _ in failures.record("10.0.0.1") }
        #expect(penalties == [
            .none, .none, .delay(.milliseconds(10)), .delay(.milliseconds(20)), .delay(.milliseconds(25)), .refuse(retryAfter: 60),
        ])
        #expect(failures.record("10.0.0.2") == .none, "counted per address")
        clock.advance(61)
        #expect(failures.record("10.0.0.1") == .none, "forgotten after a quiet minute")
    }
}
