import Crypto
import Dispatch
import Synchronization

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
        let invalid = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var failed = 0
            for index in 0..<each where !publicKey.isValidSignature(signatures[index % 1000], for: messages[index % 1000]) {
                failed += 1
            }
            invalid.add(failed, ordering: .relaxed)
        }
        let wall = Stopwatch.now() - started
        let failed = invalid.load(ordering: .relaxed)
        guard failed == 0 else {
            throw BenchError.unexpectedOutput(command: "Ed25519 baseline", detail: "\(failed) good signatures failed to verify")
        }
        return Double(threads * each) / wall
    }
}
