/// What the store knows of a thread without folding it.
public struct ThreadSummary: Sendable, Equatable {
    public let id: String
    public let recordCount: Int64
    public let lastClock: Int64
    /// `created_at` of the thread's most recent record, Unix milliseconds.
    public let updatedAt: Int64

    public init(id: String, recordCount: Int64, lastClock: Int64, updatedAt: Int64) {
        self.id = id
        self.recordCount = recordCount
        self.lastClock = lastClock
        self.updatedAt = updatedAt
    }
}
