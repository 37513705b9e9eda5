import Hummingbird
import SyncropelKit
import SyncropelStore

/// The query-string parameters of the list routes, each checked and refused by name.
enum QueryParameters {
    /// Refuses a parameter the route does not take, or one given twice.
    static func check(_ request: Request, allowed: Set<String>) throws(APIError) {
        var seen: Set<Substring> = []
        for (name, _) in request.uri.queryParameters {
            guard allowed.contains(String(name)) else {
                throw APIError.invalidField(String(name), "unknown parameter \"\(name)\"; this route takes \(allowed.sorted().joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else {
                throw APIError.invalidField(String(name), "\(name) is given more than once")
            }
        }
    }

    /// `limit`: 1 … 1000, default 100.
    static func limit(_ request: Request) throws(APIError) -> Int {
        let query = request.uri.queryParameters
        guard let text = query["limit"] else { return RequestLimits.defaultPageSize }
        guard let limit = Int(text), (1...RequestLimits.maxPageSize).contains(limit) else {
            throw APIError.invalidField("limit", "limit must be an integer from 1 to \(RequestLimits.maxPageSize)")
        }
        return limit
    }

    /// `since`: an integer clock; records with a greater clock are read.
    static func since(_ request: Request) throws(APIError) -> Int64? {
        guard let text = request.uri.queryParameters["since"] else { return nil }
        guard let since = Int64(text) else {
            throw APIError.invalidField("since", "since must be an integer clock")
        }
        return since
    }

    /// `thread`: a thread id by the rules of SPEC 3.1.
    static func thread(_ request: Request) throws(APIError) -> String? {
        guard let text = request.uri.queryParameters["thread"].map(String.init) else { return nil }
        guard (try? RecordRules.checkThread(text)) != nil else {
            throw APIError.invalidField("thread", "thread must be 1-\(RecordRules.maxThreadBytes) bytes of A-Z a-z 0-9 _ . : -")
        }
        return text
    }

    /// `actor`: a DID.
    static func actor(_ request: Request) throws(APIError) -> String? {
        guard let text = request.uri.queryParameters["actor"].map(String.init) else { return nil }
        guard (try? RecordRules.checkActor(text)) != nil else {
            throw APIError.invalidField("actor", "actor must be a DID (did:…) of at most \(RecordRules.maxActorBytes) bytes")
        }
        return text
    }

    /// `cursor` (a cursor this server handed out), else `since` (clock > since), else the newest page.
    static func threadPosition(_ request: Request) throws(APIError) -> ThreadPosition {
        if let text = request.uri.queryParameters["cursor"] {
            guard let cursor = ThreadCursor(String(text)) else {
                throw APIError.invalidField("cursor", "cursor must be a next_cursor or prev_cursor value this server handed out")
            }
            return .cursor(cursor)
        }
        if let since = try since(request) {
            return .sinceClock(since)
        }
        return .newest
    }
}
