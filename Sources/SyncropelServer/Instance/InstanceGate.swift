import Synchronization

/// Holds the instance once it is ready; until then requests are answered `503 STARTING`.
///
/// The listeners bind before the store is checked (SPEC 5.2, step 3), so a
/// request can arrive while the daemon is still checking, backing up or folding.
public final class InstanceGate: Sendable {
    private enum State {
        case starting(phase: String)
        case ready(Instance)
    }

    private let state = Mutex(State.starting(phase: "binding"))

    public init() {}

    public var instance: Instance? {
        state.withLock { state in
            if case .ready(let instance) = state { return instance }
            return nil
        }
    }

    /// The start-up phase (`checking`, `backup 42%`, `folding`), or `ready`.
    public var phase: String {
        state.withLock { state in
            switch state {
            case .starting(let phase): phase
            case .ready: "ready"
            }
        }
    }

    func setPhase(_ phase: String) {
        state.withLock { $0 = .starting(phase: phase) }
    }

    func open(_ instance: Instance) {
        state.withLock { $0 = .ready(instance) }
    }
}
