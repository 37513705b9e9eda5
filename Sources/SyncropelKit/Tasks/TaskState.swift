/// One task as `spl task show` and `GET /v1/tasks/{id}` report it: the opening INTEND's
/// fields and what its thread's task records have made of it.
public struct TaskState: Sendable, Equatable {
    /// The task's thread.
    public let id: String
    public let alias: String
    public let goal: String
    public let status: TaskStatus
    public let priority: TaskPriority
    public let labels: [String]
    public let assignee: String?
    /// The trust domain verdicts on the task count in: `done`'s domain, else the one it was added with.
    public let domain: String?
    public let criteria: [String]
    /// The thread of the task this one was planned under.
    public let parent: String?
    /// The actor of the opening INTEND.
    public let creator: String
    public let opener: RecordID
    /// The actor whose `done` last put the task in review: the subject of its verdict.
    public let worker: String?
    /// The text of the last `done`.
    public let summary: String?
    /// The reason given for the present status, when it was set with one.
    public let reason: String?
    /// `created_at` of the opening INTEND, Unix milliseconds.
    public let createdAt: Int64
    /// `created_at` of the newest record that changed the task or commented on it.
    public let updatedAt: Int64
    /// Every task record of the thread in (clock, sequence) order, applied or not.
    public let history: [TaskHistoryEntry]
}

/// One task record in a task's history.
public struct TaskHistoryEntry: Sendable, Equatable {
    public let event: TaskEventKind
    public let actor: String
    public let record: RecordID
    public let createdAt: Int64
    /// The summary, reason, notes or comment the record carried.
    public let text: String?
    /// The status after the record; nil when it did not apply.
    public let status: TaskStatus?
    /// Why the record did not apply (it arrived from a replica or another client that did
    /// not check, or two writers raced); nil when it applied.
    public let refusal: TaskRefusal?
}
