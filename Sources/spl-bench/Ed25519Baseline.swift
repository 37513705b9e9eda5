import Crypto
import Foundation

/// What swift-crypto's Ed25519 verification does in a tight loop on this machine, one thread
/// per core: the baseline of `backup verify`'s signature row (issue 15). The messages are 1000
/// of the benchmark's own record envelopes, each signed once with one key, verified in turn.
enum Ed25519Baseline {
    static func signaturesPerSecond(threads: Int, each: Int) throws -> Double {
        let key = Curve25519.Signing.PrivateKey()
        let messages = (0..<1000).map { Array(BenchEnvelopes.envelope($0, thread: "th_bench_signed").utf8) }
        let signatures = try messages.map { try key.signature(for: $0) }
        let publicKey = key.publicKey
        let started = Stopwatch.now()
        let invalid = InvalidCount()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var failed = 0
            for index in 0..<each where !publicKey.isValidSignature(signatures[index % 1000], for: messages[index % 1000]) {
                failed += 1
            }
            invalid.add(failed)
        }
        let wall = Stopwatch.now() - started
        guard invalid.total == 0 else {
            throw BenchError.unexpectedOutput(command: "Ed25519 baseline", detail: "\(invalid.total) good signatures failed to verify")
        }
        return Double(threads * each) / wall
    }
}

/// Signatures the baseline's threads found invalid (there must be none).
private final class InvalidCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add(_ failed: Int) { lock.withLock { count += failed } }
    var total: Int { lock.withLock { count } }
}
