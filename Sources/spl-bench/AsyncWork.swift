import Foundation

/// Runs async work (the replicator, the store) to its end from the benchmark's synchronous
/// main thread, which is not a thread of the cooperative pool, so blocking it is harmless.
enum AsyncWork {
    static func wait<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) throws -> Value {
        let outcome = Outcome<Value>()
        Task {
            do {
                outcome.finish(.success(try await work()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        return try outcome.wait().get()
    }

    private final class Outcome<Value: Sendable>: @unchecked Sendable {
        private let condition = NSCondition()
        private var result: Result<Value, any Error>?

        func finish(_ result: Result<Value, any Error>) {
            condition.withLock {
                self.result = result
                condition.signal()
            }
        }

        func wait() -> Result<Value, any Error> {
            condition.withLock {
                while result == nil { condition.wait() }
                return result!
            }
        }
    }
}
