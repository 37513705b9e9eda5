import Foundation
import Synchronization

/// Issue 13's wrong-token probe: 10 000 requests with tokens this daemon never issued, from a
/// few concurrent attackers, beside a valid client whose latency is sampled before and during.
///
/// Half the wrong tokens have the right shape (the daemon hashes and looks them up), half are
/// garbage. Like `SlowConnectionProbe` it has no HTTP client: `send` makes one request with a
/// token and returns the status answered (throwing when none came), `validRequest` one request
/// of a well-behaved client. Runs blocking on the caller's thread.
public struct WrongTokenProbe: Sendable {
    public struct Result: Sendable {
        public let before: LatencySample
        public let during: LatencySample
        /// How many wrong requests were answered with each status.
        public let statuses: [Int: Int]
        /// Wrong requests that got no answer (the connection failed or closed).
        public let unanswered: Int
        public let seconds: Double
    }

    public var wrongRequests = 10_000
    public var attackers = 4
    public var samples = 100
    private let send: @Sendable (String) throws -> Int
    private let validRequest: @Sendable () throws -> Void

    public init(send: @escaping @Sendable (_ token: String) throws -> Int, validRequest: @escaping @Sendable () throws -> Void) {
        self.send = send
        self.validRequest = validRequest
    }

    public func run() throws -> Result {
        let before = try LatencySample.measure(samples, pause: 0.01, validRequest)
        let tally = Tally()
        let attack = DispatchGroup()
        let started = Date()
        for lane in 0..<attackers {
            attack.enter()
            Thread { [send, wrongRequests, attackers] in
                for index in stride(from: lane, to: wrongRequests, by: attackers) {
                    let status = try? send(Self.wrongToken(index))
                    tally.count(status)
                }
                attack.leave()
            }.start()
        }
        let during = try LatencySample.measure(samples, pause: 0.01, validRequest)
        attack.wait()
        let seconds = Date().timeIntervalSince(started)
        let counts = tally.counts
        return Result(before: before, during: during, statuses: counts.statuses, unanswered: counts.unanswered, seconds: seconds)
    }

    /// The answers of every attacker thread, counted under one lock.
    private final class Tally: Sendable {
        private let state = Mutex<(statuses: [Int: Int], unanswered: Int)>(([:], 0))

        func count(_ status: Int?) {
            state.withLock { state in
                if let status { state.statuses[status, default: 0] += 1 } else { state.unanswered += 1 }
            }
        }

        var counts: (statuses: [Int: Int], unanswered: Int) { state.withLock { $0 } }
    }

    /// Even indexes a well-formed token of an account nobody made, odd ones garbage.
    static func wrongToken(_ index: Int) -> String {
        guard index % 2 == 0 else { return "wrong-\(index)" }
        let account = String(format: "%016x", index)
        let secret = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: .min ... .max)) }.joined()
        return "spl_prod_sa_\(account)_\(secret)"
    }
}
