/// Where a record sits in its thread's order: by clock, ties broken by store sequence.
///
/// Folds that pick "the first" or "the latest" record compare these, never
/// arrival order, so a record that arrives late still lands in its place.
struct LogPosition: Sendable, Hashable, Comparable, Codable {
    let clock: Int64
    let sequence: Int64

    init(_ stored: StoredRecord) {
        clock = stored.record.clock
        sequence = stored.sequence
    }

    static func < (lhs: LogPosition, rhs: LogPosition) -> Bool {
        (lhs.clock, lhs.sequence) < (rhs.clock, rhs.sequence)
    }
}
