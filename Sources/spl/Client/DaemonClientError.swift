/// Why a request to the running daemon did not give an answer the command can use.
///
/// `description` is the one-line operator message; ArgumentParser prints it as `Error: …`.
enum DaemonClientError: Error, CustomStringConvertible {
    /// No socket file, or nothing accepts connections on it.
    case notRunning(home: String)
    /// Nothing accepts connections at `SPL_SERVE_URL`.
    case notReachable(url: String)
    /// `SPL_CA_FILE` cannot be read as PEM certificates.
    case unusableCAFile(path: String, reason: String)
    /// The TLS handshake with `SPL_SERVE_URL` failed: an unknown CA, a name mismatch, or plain HTTP there.
    case tlsFailed(url: String, request: String, reason: String)
    /// The daemon took longer than `seconds` to answer `method path`.
    case noAnswer(socket: String, request: String, seconds: Int64)
    /// The daemon closed the connection before it answered (it crashed or is stopping).
    case hungUp(socket: String, request: String)
    /// The connection broke for another reason than an absent daemon.
    case transport(socket: String, request: String, reason: String)
    /// The daemon refused the request with a JSON error object.
    case refused(status: Int, code: String, message: String, field: String?)
    /// The daemon answered something that is not the JSON this client expects.
    case malformedAnswer(request: String, status: Int, reason: String)

    var description: String {
        switch self {
        case let .notRunning(home):
            return "no spl daemon is running for \(home); start one with 'spl serve --daemon'"
        case let .notReachable(url):
            return "no spl daemon answers at \(url) (SPL_SERVE_URL); check the address, or that the daemon serves on it"
        case let .unusableCAFile(path, reason):
            return "SPL_CA_FILE \(path) cannot be used as PEM certificates: \(reason)"
        case let .tlsFailed(url, request, reason):
            return "\(request) to the spl daemon at \(url) failed in the TLS handshake (\(reason)); for a private CA or a"
                + " self-signed certificate set SPL_CA_FILE to its PEM file, and for a daemon without TLS use http://"
        case let .noAnswer(socket, request, seconds):
            return "the spl daemon on \(socket) did not answer \(request) within \(seconds)s; check its log with 'spl serve --logs'"
        case let .hungUp(socket, request):
            return "the spl daemon on \(socket) closed the connection without answering \(request); check its log with 'spl serve --logs'"
        case let .transport(socket, request, reason):
            return "\(request) to the spl daemon on \(socket) failed: \(reason)"
        case let .refused(_, code, message, _):
            return "\(message) (\(code))"
        case let .malformedAnswer(request, status, reason):
            return "the spl daemon answered \(request) with status \(status) and \(reason)"
        }
    }

    /// True for an error answer with this HTTP status and code.
    func isRefusal(status expected: Int, code expectedCode: String) -> Bool {
        if case let .refused(status, code, _, _) = self { return status == expected && code == expectedCode }
        return false
    }
}
