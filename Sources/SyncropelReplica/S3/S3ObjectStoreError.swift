/// Why a request to an S3 replica failed. `description` is the one-line operator message:
/// the request (method, object key or listing prefix, replica location), then the server's
/// HTTP status and S3 error code and message, or what went wrong on the way. It never holds
/// the secret, the session token or the Authorization header.
public enum S3ObjectStoreError: Error, CustomStringConvertible {
    /// The server answered with an error status; `code` and `message` are from its XML body
    /// when it had one (`SignatureDoesNotMatch`, `NoSuchBucket`, `AccessDenied`, …).
    case refused(S3RequestName, status: Int, code: String?, message: String?)
    /// The request could not be sent or its answer not read.
    case unreachable(S3RequestName, endpoint: String, underlying: any Error)
    /// The request took longer than the configured timeout.
    case timedOut(S3RequestName, endpoint: String, limit: Duration)
    /// The answer's body was larger than this request ever needs.
    case answerTooLarge(S3RequestName, limit: Int)
    /// An object larger than one PUT may carry was not sent.
    case objectTooLarge(S3RequestName, bytes: Int, limit: Int)
    /// A listing page could not be read.
    case badListing(S3RequestName, S3ListingProblem)
    /// A listing named an object whose key is not a replica key: someone else wrote it.
    case badKeyInListing(S3RequestName, key: String, underlying: ReplicaKeyError)
    /// A listing named an object outside the replica's prefix.
    case keyOutsidePrefix(S3RequestName, key: String)
    /// The downloaded bytes do not match the SHA-256 checksum the server holds for the object.
    case checksumMismatch(S3RequestName)

    public var description: String {
        switch self {
        case let .refused(request, status, code, message):
            let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
            return "\(request) was refused: HTTP \(status)" + (detail.isEmpty ? "" : " \(detail)")
        case let .unreachable(request, endpoint, underlying):
            return "\(request) could not reach \(endpoint): \(underlying)"
        case let .timedOut(request, endpoint, limit):
            return "\(request) took more than \(limit) at \(endpoint) and was cancelled"
        case let .answerTooLarge(request, limit):
            return "\(request) got an answer of more than \(limit) bytes and refused it"
        case let .objectTooLarge(request, bytes, limit):
            return "\(request) was not sent: the object has \(bytes) bytes, more than the \(limit) one request carries"
        case let .badListing(request, problem):
            return "\(request) got a listing that is not valid: \(problem)"
        case let .badKeyInListing(request, key, underlying):
            return "\(request) refused object \(Self.quoted(key)): \(underlying); only spl writes under a"
                + " replica's prefix: remove the object or give the replica a prefix of its own"
        case let .keyOutsidePrefix(request, key):
            return "\(request) refused object \(Self.quoted(key)), which is outside the replica's prefix"
        case let .checksumMismatch(request):
            return "\(request) received bytes whose SHA-256 differs from the object's checksum; the download was damaged"
        }
    }

    /// A key from a listing, quoted with control characters escaped and cut at 200 characters:
    /// the server chose it.
    static func quoted(_ key: String) -> String {
        key.count <= 200 ? key.debugDescription : String(key.prefix(200)).debugDescription + "…"
    }
}

/// What a failed request was, for messages: `S3 PUT of instance-…/x at s3://bucket/prefix`.
public struct S3RequestName: Sendable, Equatable, CustomStringConvertible {
    public let method: String
    /// The replica key of the object, or the listing prefix; "" for a whole replica's listing.
    public let subject: String
    public let isListing: Bool
    public let location: String

    public var description: String {
        if isListing {
            return subject.isEmpty ? "S3 listing of \(location)" : "S3 listing of \(subject.debugDescription) at \(location)"
        }
        return "S3 \(method) of \(subject) at \(location)"
    }
}
