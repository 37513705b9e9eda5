import Dispatch

/// Runs blocking work — file system calls with their fsyncs, compressing a snapshot — on a
/// dispatch queue, so a slow disk or a large store never holds one of the few threads the
/// daemon's tasks (HTTP requests among them) share.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "syncropel.replica.blocking", attributes: .concurrent)

    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
