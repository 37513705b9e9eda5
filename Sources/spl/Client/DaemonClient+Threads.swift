import SyncropelKit
import SyncropelServer

extension DaemonClient {
    /// Every record of `thread` in ascending (clock, sequence) order.
    ///
    /// Without `since` the route serves the newest page and a `prev_cursor` for older ones,
    /// so the walk goes backwards from the newest page and the pages are joined oldest first.
    /// Records written during the walk are newer than the first page and are not included.
    func allRecords(ofThread thread: String) async throws -> [JSONValue] {
        let base = "/v1/threads/\(Self.percentEncoded(thread))/records?limit=\(RequestLimits.maxPageSize)"
        var pages: [[JSONValue]] = []
        var seenCursors: Set<String> = []
        var cursor: String?
        repeat {
            let path = cursor.map { base + "&cursor=" + Self.percentEncoded($0) } ?? base
            let (data, answer) = try await getList(path)
            pages.append(data)
            cursor = answer.value(atPath: "prev_cursor")?.stringValue
            if let next = cursor, !seenCursors.insert(next).inserted {
                throw DaemonClientError.malformedAnswer(
                    request: "GET \(path)", status: 200, reason: "a prev_cursor it already gave (\(next))")
            }
        } while cursor != nil && !(pages.last?.isEmpty ?? true)
        return pages.reversed().flatMap { $0 }
    }
}
