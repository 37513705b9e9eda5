/// Where a task stands, folded from its records; the raw values are the wire strings.
public enum TaskStatus: String, Sendable, Codable, CaseIterable {
    /// Added, not yet started.
    case inbox
    /// Work in progress.
    case active
    /// Waiting on something, with a reason.
    case blocked
    /// Put off on purpose, with a reason.
    case deferred
    /// Claimed done with a summary, waiting for another actor's verdict.
    case review
    /// Judged done by an actor other than the one who did the work.
    case approved
    /// Judged not done: needs rework.
    case rejected
    /// The approach did not work.
    case failed
    /// Not to be done.
    case cancelled

    /// Closed tasks are left out of `spl task list` and `GET /v1/tasks` unless all are asked for.
    public var isClosed: Bool {
        switch self {
        case .approved, .failed, .cancelled: true
        default: false
        }
    }
}

/// How urgent a task is; the raw values are the wire strings and the CLI's `--priority` values.
public enum TaskPriority: String, Sendable, Codable, CaseIterable {
    case critical
    case high
    case medium
    case low

    public static let `default` = TaskPriority.medium
}
