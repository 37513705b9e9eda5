/// A record's (thread, actor, clock), unique among a store's records (SPEC 3.1).
///
/// Byte arrays, not `String`s: Swift's string equality would merge canonically
/// equivalent actors, which the protocol keeps apart.
struct RecordClockKey: Hashable {
    let thread: [UInt8]
    let actor: [UInt8]
    let clock: Int64

    init(_ record: Record) {
        thread = Array(record.thread.utf8)
        actor = Array(record.actor.utf8)
        clock = record.clock
    }
}
