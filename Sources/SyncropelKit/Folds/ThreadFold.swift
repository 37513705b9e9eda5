/// Status, opener and activity of every thread (SPEC 9.1), folded record by record.
///
/// A thread with an INTEND is `open` until a record's `body.fulfills` names its
/// opener (`closed`) or `body.cancels` does (`cancelled`); a thread without an
/// INTEND is `none`. `fulfills` and `cancels` hold one record id or a list of them.
///
/// The opener is the thread's first INTEND by (clock, sequence), and every
/// `fulfills`/`cancels` is remembered even before the INTEND it names arrives,
/// so the state depends on the records' clocks, not on the order they reached
/// this instance. When an opener is both fulfilled and cancelled, the earlier
/// of the two records by (clock, sequence) decides.
///
/// ```swift
/// var threads = ThreadFold()
/// for stored in newRecords { threads.apply(stored) }
/// threads.state(of: "th_drill")?.status  // .open
/// ```
public struct ThreadFold: Sendable, Equatable, Codable {
    /// The highest `sequence` applied; records at or below it are skipped.
    public private(set) var watermark: Int64 = 0
    private var threads: [String: Tally] = [:]

    public init() {}

    /// Folds one record; records must come in ascending `sequence`.
    public mutating func apply(_ stored: StoredRecord) {
        guard stored.sequence > watermark else { return }
        watermark = stored.sequence
        threads[stored.record.thread, default: Tally()].add(stored)
    }

    /// The fold of `records`, in ascending `sequence`.
    public static func fold(_ records: some Sequence<StoredRecord>) -> ThreadFold {
        var fold = ThreadFold()
        for record in records { fold.apply(record) }
        return fold
    }

    /// The state of one thread, or nil when it has no records.
    public func state(of thread: String) -> ThreadState? {
        threads[thread].map { $0.state(id: thread) }
    }

    /// Every thread's state, sorted by thread id.
    public var states: [ThreadState] {
        threads.keys.sorted().map { threads[$0]!.state(id: $0) }
    }

    /// How many threads have records.
    public var threadCount: Int { threads.count }

    private struct Tally: Sendable, Equatable, Codable {
        var opener: Opener?
        /// What each named record id was fulfilled or cancelled by first, including
        /// ids that are not (yet) the opener: an earlier INTEND may still arrive.
        var resolutions: [RecordID: Resolution] = [:]
        var participants: Set<ExactString> = []
        var recordCount = 0
        var lastClock: Int64 = 0
        var updatedAt = Int64.min

        mutating func add(_ stored: StoredRecord) {
            let record = stored.record
            let position = LogPosition(stored)
            recordCount += 1
            lastClock = max(lastClock, record.clock)
            updatedAt = max(updatedAt, stored.createdAt)
            participants.insert(ExactString(record.actor))
            if record.act == .intend, opener.map({ position < $0.position }) ?? true {
                opener = Opener(id: record.id, actor: record.actor, position: position)
            }
            for id in Self.recordIDs(in: record.body["fulfills"]) {
                resolve(id, Resolution(status: .closed, position: position))
            }
            for id in Self.recordIDs(in: record.body["cancels"]) {
                resolve(id, Resolution(status: .cancelled, position: position))
            }
        }

        private mutating func resolve(_ id: RecordID, _ resolution: Resolution) {
            if let existing = resolutions[id], existing.position <= resolution.position { return }
            resolutions[id] = resolution
        }

        func state(id: String) -> ThreadState {
            let status: ThreadStatus
            if let opener {
                status = resolutions[opener.id]?.status ?? .open
            } else {
                status = .unopened
            }
            return ThreadState(
                id: id, status: status, opener: opener.map { ThreadOpener(id: $0.id, actor: $0.actor) },
                participants: participants.sorted().map(\.value), recordCount: recordCount, lastClock: lastClock,
                updatedAt: updatedAt)
        }

        /// A record id, or a list of them as the Python SDK may send; anything else names nothing.
        private static func recordIDs(in value: JSONValue?) -> [RecordID] {
            switch value {
            case .string(let text)?:
                return RecordID(hex: text).map { [$0] } ?? []
            case .array(let items)?:
                return items.compactMap { $0.stringValue.flatMap(RecordID.init(hex:)) }
            default:
                return []
            }
        }
    }

    private struct Opener: Sendable, Equatable, Codable {
        let id: RecordID
        let actor: String
        let position: LogPosition
    }

    private struct Resolution: Sendable, Equatable, Codable {
        let status: ThreadStatus
        let position: LogPosition
    }
}
