/// How many records and threads a store holds, and the highest sequence assigned.
public struct StoreCounts: Sendable, Equatable {
    public let records: Int64
    public let threads: Int64
    /// 0 on an empty store.
    public let highestSequence: Int64

    public init(records: Int64, threads: Int64, highestSequence: Int64) {
        self.records = records
        self.threads = threads
        self.highestSequence = highestSequence
    }
}
