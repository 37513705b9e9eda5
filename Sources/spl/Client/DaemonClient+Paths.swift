import Foundation
import SyncropelKit

extension DaemonClient {
    /// `text` as one path segment or query value: a thread or record id typed by an operator
    /// cannot add segments or a query, and an opaque cursor may hold `&`, `=` or `+`.
    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreservedCharacters) ?? text
    }

    /// RFC 3986 unreserved characters, the only ones left as they are.
    private static let unreservedCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The `data` array of a list answer (`{"object":"list","data":[…],…}`).
    func getList(_ path: String) async throws -> (data: [JSONValue], answer: JSONValue) {
        let answer = try await get(path)
        guard let data = answer.value(atPath: "data")?.arrayValue else {
            throw DaemonClientError.malformedAnswer(request: "GET \(path)", status: 200, reason: "no data array")
        }
        return (data, answer)
    }

    /// `POST <collection>/<id>/<action>` with an empty object, as the admin routes take a revoke
    /// or a rotate: the id is one percent-encoded segment.
    static func postAction(_ action: String, on collection: String, id: String) async throws -> JSONValue {
        let path = collection + "/" + percentEncoded(id) + "/" + action
        return try await run { try await $0.post(path, body: [:]) }
    }
}
