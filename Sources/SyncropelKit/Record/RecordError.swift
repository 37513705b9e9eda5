/// Why a record was refused, with the error code of SPEC 11 and the field at fault.
///
/// `field` is a path such as `clock` or, inside a batch, `records[3].clock`;
/// `description` is the one-line message an operator or client sees.
public struct RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJSON = "INVALID_JSON"
        case invalidField = "INVALID_FIELD"
        case invalidAct = "INVALID_ACT"
        case invalidDataType = "INVALID_DATA_TYPE"
        case invalidClock = "INVALID_CLOCK"
        case invalidThread = "INVALID_THREAD"
        case invalidParents = "INVALID_PARENTS"
        case badSignature = "BAD_SIGNATURE"
        case duplicateClock = "DUPLICATE_CLOCK"
    }

    public let code: Code
    public let field: String?
    public let message: String

    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// The same error located inside a batch: `clock` becomes `records[3].clock`.
    public func inBatch(at index: Int) -> RecordError {
        let path = "records[\(index)]"
        return RecordError(code, field: field.map { "\(path).\($0)" } ?? path, "\(path): \(message)")
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
