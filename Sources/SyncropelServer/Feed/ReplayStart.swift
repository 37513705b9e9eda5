/// What a watch replays before it goes live: nothing, the thread's records after a
/// sequence (`Last-Event-ID`), or those with a clock above N (`since_clock`).
enum ReplayStart: Sendable, Equatable {
    case liveOnly
    case afterSequence(Int64)
    case clockAbove(Int64)
}
