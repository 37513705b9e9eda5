import Hummingbird
import NIOCore
import SyncropelKit
import SyncropelStore

/// A refused request: the status and code of SPEC 11, a message a client can show,
/// and the field at fault. Rendered as `{"object":"error","code","message","field"?}`.
///
/// An `HTTPResponseError`, so a route throws it and Hummingbird answers with it.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(self)
    }

    public var jsonValue: JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "object", value: "error"),
            .init(key: "code", value: .string(code)),
            .init(key: "message", value: .string(message)),
        ]
        if let field { members.append(.init(key: "field", value: .string(field))) }
        return .object(JSONObject(members))
    }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, "NOT_FOUND", message) }

    static func methodNotAllowed(_ method: HTTPRequest.Method, path: String) -> APIError {
        APIError(.methodNotAllowed, "METHOD_NOT_ALLOWED", "\(method) is not allowed on \(path)")
    }

    static func invalidField(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, "INVALID_FIELD", message, field: field)
    }

    static let payloadTooLarge = APIError(.contentTooLarge, "PAYLOAD_TOO_LARGE", "the request body is larger than 8 MiB")

    /// `POST /v1/admin/backup` without `to` on a daemon that serves an in-memory store.
    static let inMemoryBackup = APIError(
        .conflict, "IN_MEMORY_STORE",
        "this daemon serves an in-memory store (spl serve --memory); its backup would pass for one of the store on disk in the instance folder, so name a file: spl backup now --to FILE",
        field: "to")

    /// `POST /v1/admin/backup/auto` on a daemon that serves an in-memory store, which takes none.
    static let inMemoryTimedBackups = APIError(
        .conflict, "IN_MEMORY_STORE",
        "this daemon serves an in-memory store (spl serve --memory) and takes no timed backups; change them while no daemon or a daemon on the disk store runs")

    static let starting = APIError(.serviceUnavailable, "STARTING", "the instance is starting; retry in a moment")

    /// The answer for a record the protocol refused.
    init(_ error: RecordError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .duplicateClock: .conflict
            case .badSignature: .unprocessableContent
            default: .badRequest
            }
        self.init(status, error.code.rawValue, error.message, field: error.field)
    }

    /// A query the store cannot read: `400 INVALID_FIELD` naming the place in the request.
    init(_ error: RecordQueryError) {
        self.init(.badRequest, "INVALID_FIELD", error.message, field: error.field)
    }

    /// The answer for a store failure; only a full store is the client's to know about in detail.
    init(_ error: StoreError) {
        switch error {
        case .storeFull:
            self.init(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "STORE_FULL", "the store is full; nothing was written")
        case .closed:
            self.init(.serviceUnavailable, "SHUTTING_DOWN", "the instance is shutting down; retry after it restarts")
        case .standby:
            self.init(.serviceUnavailable, "STANDBY", error.description)
        case .unavailable:
            // The database is out of reach: nothing of the request was acknowledged, and the same
            // request succeeds once the store has reconnected.
            self.init(.serviceUnavailable, "STORE_UNAVAILABLE", "the store cannot be reached; nothing was written, retry in a moment")
        default:
            self.init(.internalServerError, "STORE_ERROR", error.description)
        }
    }

    /// Any error a handler let through, as the answer it deserves.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let apiError as APIError: apiError
        case let recordError as RecordError: APIError(recordError)
        case let storeError as StoreError: APIError(storeError)
        case let queryError as RecordQueryError: APIError(queryError)
        case let httpError as HTTPError where httpError.status == .contentTooLarge: .payloadTooLarge
        case is NIOTooManyBytesError: .payloadTooLarge
        default: APIError(.internalServerError, "INTERNAL", String(describing: error))
        }
    }
}
