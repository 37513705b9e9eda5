/// The folded state of one thread, as `spl thread show` and `GET /v1/threads/{id}/state` report it.
public struct ThreadState: Sendable, Equatable {
    public let id: String
    public let status: ThreadStatus
    /// The thread's first INTEND by (clock, sequence); nil when it has none.
    public let opener: ThreadOpener?
    /// Distinct actors of the thread's records, in code point order.
    public let participants: [String]
    public let recordCount: Int
    /// The highest clock on the thread.
    public let lastClock: Int64
    /// `created_at` of the newest record, Unix milliseconds.
    public let updatedAt: Int64
}

/// Where a thread stands; the raw values are the wire strings.
public enum ThreadStatus: String, Sendable, Codable, CaseIterable {
    case open
    case closed
    case cancelled
    /// No INTEND on the thread (`none` on the wire; a case named `none` would clash with `Optional.none`).
    case unopened = "none"
}

/// The INTEND that opened a thread.
public struct ThreadOpener: Sendable, Equatable {
    public let id: RecordID
    public let actor: String
}
