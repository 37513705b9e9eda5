/// Why `spl serve` did not start, and the exit code that tells a supervisor what to do (SPEC 5.1).
public enum StartupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Exit 1: a bad flag, config file or environment.
    case configuration(String)
    /// Exit 2: the store is missing or damaged; restarting will not help.
    case store(String)
    /// Exit 3: another daemon holds the home.
    case homeLocked(String)
    /// Exit 4: the TCP port (or the socket) is taken.
    case addressInUse(String)
    /// Exit 5: anything else that stopped the start.
    case other(String)

    public var exitCode: Int32 {
        switch self {
        case .configuration: 1
        case .store: 2
        case .homeLocked: 3
        case .addressInUse: 4
        case .other: 5
        }
    }

    public var description: String {
        switch self {
        case .configuration(let message), .store(let message), .homeLocked(let message),
            .addressInUse(let message), .other(let message):
            message
        }
    }
}
