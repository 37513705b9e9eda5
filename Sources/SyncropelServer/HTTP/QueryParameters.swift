import Hummingbird
import SyncropelStore

/// The paging parameters shared by the list routes.
enum QueryParameters {
    /// `limit`: 1 … 1000, default 100.
    static func limit(_ request: Request) throws(APIError) -> Int {
        let query = request.uri.queryParameters
        guard let text = query["limit"] else { return RequestLimits.defaultPageSize }
        guard let limit = Int(text), (1...RequestLimits.maxPageSize).contains(limit) else {
            throw APIError.invalidField("limit", "limit must be an integer from 1 to \(RequestLimits.maxPageSize)")
        }
        return limit
    }

    /// `cursor` (a cursor this server handed out), else `since` (clock > since), else the newest page.
    static func threadPosition(_ request: Request) throws(APIError) -> ThreadPosition {
        let query = request.uri.queryParameters
        if let text = query["cursor"] {
            guard let cursor = ThreadCursor(String(text)) else {
                throw APIError.invalidField("cursor", "cursor must be a next_cursor or prev_cursor value this server handed out")
            }
            return .cursor(cursor)
        }
        if let text = query["since"] {
            guard let since = Int64(text) else {
                throw APIError.invalidField("since", "since must be an integer clock")
            }
            return .sinceClock(since)
        }
        return .newest
    }
}
