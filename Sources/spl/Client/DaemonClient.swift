import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SyncropelHome
import SyncropelKit

/// The CLI's connection to the daemon of its home, over run/spl.sock.
///
/// The socket's folder mode (0700) is the only boundary, so no token is sent;
/// writes through it are signed by the daemon with the instance key.
///
/// ```swift
/// let client = DaemonClient(home: try CommandEnvironment.home())
/// let health = try await client.get("/health")
/// ```
actor DaemonClient {
    /// A daemon that takes longer than this to answer one request is treated as hung:
    /// 60 s, or the whole seconds of `SPL_REQUEST_TIMEOUT` (for slow disks, or tests).
    static var defaultTimeoutSeconds: Int64 {
        CommandEnvironment.variables["SPL_REQUEST_TIMEOUT"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 60
    }
    /// Answers are read whole; a page of 1000 large records stays well under this.
    static let maxAnswerBytes = 256 << 20

    /// One client per process. Unlike `HTTPClient.shared` it does not retry a refused
    /// connection until the deadline: a socket nobody listens on means "not running", now.
    /// Like `HTTPClient.shared` it lives as long as the process and is never shut down.
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    let home: HomeLayout
    let timeoutSeconds: Int64
    private var warnedAboutVersion = false

    init(home: HomeLayout, timeoutSeconds: Int64 = DaemonClient.defaultTimeoutSeconds) {
        self.home = home
        self.timeoutSeconds = timeoutSeconds
    }

    /// The parsed body of a 2xx answer to `GET path`; any other answer is thrown.
    func get(_ path: String) async throws -> JSONValue {
        try Self.requireSuccess(try await request(.GET, path), request: "GET \(path)")
    }

    /// The parsed body of a 2xx answer to `POST path` with `body`; any other answer is thrown.
    func post(_ path: String, body: JSONValue) async throws -> JSONValue {
        try Self.requireSuccess(try await request(.POST, path, body: body), request: "POST \(path)")
    }

    /// One request with the answer's status and parsed body, whatever the status.
    ///
    /// Throws `DaemonClientError.notRunning` when there is no socket or nothing listens on it.
    func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> (status: Int, body: JSONValue) {
        let socket = home.socketFile
        let name = "\(method.rawValue) \(path)"
        guard access(socket, F_OK) == 0 else { throw DaemonClientError.notRunning(home: home.root) }
        // The socket path, percent-encoded, is the URL's host.
        var request = HTTPClientRequest(url: "http+unix://" + Self.percentEncoded(socket) + path)
        request.method = method
        request.headers.add(name: "User-Agent", value: "spl/\(BuildInfo.semver)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.serialized()))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await Self.http.execute(request, timeout: .seconds(timeoutSeconds))
            bytes = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch {
            throw classify(error, socket: socket, request: name)
        }
        warnOnVersionMismatch(response.headers.first(name: "Server"))
        let status = Int(response.status.code)
        do {
            return (status, try JSONParser.parse(bytes.readableBytesView))
        } catch {
            let reason = bytes.readableBytes == 0 ? "an empty body" : "a body that is not JSON (\(error))"
            throw DaemonClientError.malformedAnswer(request: name, status: status, reason: reason)
        }
    }

    /// Connection failures that mean "nobody is there" become `notRunning`; the rest keep their reason.
    private func classify(_ error: any Error, socket: String, request: String) -> any Error {
        if let io = error as? IOError, [ECONNREFUSED, ENOENT, ENOTSOCK].contains(io.errnoCode) {
            return DaemonClientError.notRunning(home: home.root)
        }
        if let http = error as? HTTPClientError, [.deadlineExceeded, .readTimeout, .connectTimeout].contains(http) {
            return DaemonClientError.noAnswer(socket: socket, request: request, seconds: timeoutSeconds)
        }
        // Which of these a hang-up gives depends on how far the client had got with the request.
        let resetByPeer = (error as? IOError).map { [ECONNRESET, EPIPE].contains($0.errnoCode) } ?? false
        if resetByPeer || error as? HTTPClientError == .remoteConnectionClosed || error as? ChannelError == .ioOnClosedChannel
            || error as? ChannelError == .eof {
            return DaemonClientError.hungUp(socket: socket, request: request)
        }
        return DaemonClientError.transport(socket: socket, request: request, reason: "\(error)")
    }

    /// Says once per command that the daemon runs another version than this CLI.
    private func warnOnVersionMismatch(_ server: String?) {
        guard !warnedAboutVersion, let server, server.hasPrefix("spl/") else { return }
        let daemonVersion = String(server.dropFirst("spl/".count))
        guard daemonVersion != BuildInfo.semver else { return }
        warnedAboutVersion = true
        StandardError.write(
            "warning: spl \(BuildInfo.semver) talks to daemon \(daemonVersion); restart the daemon with 'spl restart'")
    }

    /// The body of a 2xx answer; an error object becomes `DaemonClientError.refused`.
    static func requireSuccess(_ answer: (status: Int, body: JSONValue), request: String) throws -> JSONValue {
        guard !(200..<300).contains(answer.status) else { return answer.body }
        guard case .object(let error) = answer.body, error["object"] == "error",
            let code = error["code"]?.stringValue, let message = error["message"]?.stringValue
        else {
            throw DaemonClientError.malformedAnswer(
                request: request, status: answer.status, reason: "a body that is not an error object")
        }
        throw DaemonClientError.refused(
            status: answer.status, code: code, message: message, field: error["field"]?.stringValue)
    }
}

/// Lines for stderr, which `print` does not reach.
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
