/// Why a query was refused: the place in the request at fault (`filter.$or[1].kind`,
/// `sort.body.x`, `limit`) and a message a client can show. The HTTP API answers
/// it as `400 INVALID_FIELD` with that `field`.
public struct RecordQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
