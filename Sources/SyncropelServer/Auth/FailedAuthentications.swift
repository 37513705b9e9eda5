import Foundation
import Synchronization

/// Failed authentications counted per client address, with a growing delay past a threshold.
///
/// Only failures pay: a valid token is never slowed, so a client that shares an address with
/// an attacker (every loopback client does) keeps its latency. Past `threshold` failures each
/// further failure is answered after `step` more than the last, up to `maximumDelay`; past
/// `refuseAbove` the answer is an immediate 429 until the client has been quiet for `forgetAfter`.
final class FailedAuthentications: Sendable {
    struct Settings: Sendable, Equatable {
        var threshold = 10
        var step = Duration.milliseconds(20)
        var maximumDelay = Duration.milliseconds(500)
        var refuseAbove = 50
        var forgetAfter: Double = 60
    }

    /// What the next failed answer costs its client.
    enum Penalty: Equatable {
        case none
        case delay(Duration)
        case refuse(retryAfter: Int)
    }

    private struct Client {
        var failures: Int
        var lastFailure: Double
    }

    let settings: Settings
    private let clients = Mutex<[String: Client]>([:])
    private let now: @Sendable () -> Double
    /// Past this many clients tracked, those quiet for `forgetAfter` are forgotten.
    private let pruneAbove: Int

    init(settings: Settings = Settings(), pruneAbove: Int = 10_000, now: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.settings = settings
        self.pruneAbove = pruneAbove
        self.now = now
    }

    /// Counts one failure of `client` and says what its answer costs.
    func record(_ client: String) -> Penalty {
        let time = now()
        return clients.withLock { table in
            if table.count > pruneAbove {
                table = table.filter { time - $0.value.lastFailure < settings.forgetAfter }
            }
            var entry = table[client] ?? Client(failures: 0, lastFailure: time)
            if time - entry.lastFailure >= settings.forgetAfter { entry.failures = 0 }
            entry.failures += 1
            entry.lastFailure = time
            table[client] = entry
            let excess = entry.failures - settings.threshold
            if entry.failures > settings.refuseAbove { return .refuse(retryAfter: Int(settings.forgetAfter.rounded(.up))) }
            guard excess > 0 else { return .none }
            return .delay(min(settings.step * excess, settings.maximumDelay))
        }
    }
}
