import Foundation
import Synchronization

/// The one door through which the drill starts child processes, so an interruption can
/// shut it: once `interrupt()` has run, the child in flight is terminated and no other starts.
final class DrillChildGate: Sendable {
    private struct State {
        var interrupted = false
        var running: pid_t?
    }

    private let state = Mutex(State())

    /// Starts `process` unless the drill was interrupted.
    func launch(_ process: Process) throws {
        try state.withLock { state in
            guard !state.interrupted else { throw DrillFailure("the drill was interrupted") }
            try process.run()
            state.running = process.processIdentifier
        }
    }

    /// True once `interrupt()` has run.
    var isInterrupted: Bool {
        state.withLock { $0.interrupted }
    }

    /// The child started last has exited.
    func finished() {
        state.withLock { $0.running = nil }
    }

    /// Shuts the door and sends SIGTERM to the child in flight, if any.
    func interrupt() {
        state.withLock { state in
            state.interrupted = true
            if let pid = state.running { kill(pid, SIGTERM) }
        }
    }
}
