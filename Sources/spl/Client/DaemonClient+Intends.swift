import SyncropelKit

extension DaemonClient {
    /// The id of the INTEND that `reference` names on `thread`, checked with the daemon:
    /// it exists, is an INTEND, and is on `thread`. `option` names the flag in refusals.
    func intend(_ reference: IntendReference, option: String, on thread: String) async throws -> String {
        switch reference {
        case .opening:
            let state = try await get("/v1/threads/\(Self.percentEncoded(thread))/state")
            guard let opener = state.value(atPath: "opener.id")?.stringValue else {
                throw IntendReferenceError.noOpeningIntend(thread: thread, option: option)
            }
            return opener
        case .record(let id):
            let record: JSONValue
            do {
                record = try await get("/v1/records/\(Self.percentEncoded(id))")
            } catch let error as DaemonClientError where error.isRefusal(status: 404, code: "NOT_FOUND") {
                throw IntendReferenceError.noSuchRecord(id: id, option: option)
            }
            let act = record.value(atPath: "act").displayText
            guard act == Act.intend.rawValue else {
                throw IntendReferenceError.notAnIntend(id: id, act: act, option: option)
            }
            let recordThread = record.value(atPath: "thread").displayText
            guard recordThread == thread else {
                throw IntendReferenceError.otherThread(id: id, itsThread: recordThread, thread: thread, option: option)
            }
            return id
        }
    }
}

/// Why `--fulfills` or `--cancels` names no INTEND of the thread written to; nothing is written.
enum IntendReferenceError: Error, CustomStringConvertible {
    case noSuchRecord(id: String, option: String)
    case notAnIntend(id: String, act: String, option: String)
    case otherThread(id: String, itsThread: String, thread: String, option: String)
    case noOpeningIntend(thread: String, option: String)

    var description: String {
        switch self {
        case let .noSuchRecord(id, option):
            return "\(option) \(id): no record with this id in this store; nothing was written"
        case let .notAnIntend(id, act, option):
            return "\(option) \(id): that record is a \(act), not an INTEND; nothing was written"
        case let .otherThread(id, itsThread, thread, option):
            return "\(option) \(id): that INTEND is on \(itsThread), not on \(thread); nothing was written"
        case let .noOpeningIntend(thread, option):
            return "\(option) without an id fulfils the opening INTEND of \(thread), which has none; nothing was written"
        }
    }
}
