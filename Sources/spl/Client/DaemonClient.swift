import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import SyncropelHome
import SyncropelKit

/// The CLI's connection to the daemon of its home, over run/spl.sock, or to the daemon at
/// `SPL_SERVE_URL` over TCP (see `DaemonEndpoint`).
///
/// On the socket the folder mode (0700) is the boundary, so no token is sent; writes
/// through it are signed by the daemon with the instance key. Over TCP the token goes in
/// `Authorization: Bearer`.
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

    /// Clients for `SPL_SERVE_URL`, one per CA file; like `http`, they live as long as the process.
    private static let remoteClients = Mutex<[String: HTTPClient]>([:])

    /// `--token`, taken off the command line by `SPL.main` before the command is parsed.
    static let tokenFlag = Mutex<String?>(nil)

    let home: HomeLayout
    let timeoutSeconds: Int64
    private var warnedAboutVersion = false
    private var endpoint: DaemonEndpoint?

    /// `endpoint` nil: the one the environment names (`SPL_SERVE_URL`, else the home's socket).
    init(home: HomeLayout, timeoutSeconds: Int64 = DaemonClient.defaultTimeoutSeconds, endpoint: DaemonEndpoint? = nil) {
        self.home = home
        self.timeoutSeconds = timeoutSeconds
        self.endpoint = endpoint
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
        let name = "\(method.rawValue) \(path)"
        let endpoint = try resolvedEndpoint()
        var request: HTTPClientRequest
        let target: String
        let http: HTTPClient
        switch endpoint {
        case .socket(let socket):
            guard access(socket, F_OK) == 0 else { throw DaemonClientError.notRunning(home: home.root) }
            // The socket path, percent-encoded, is the URL's host.
            request = HTTPClientRequest(url: "http+unix://" + Self.percentEncoded(socket) + path)
            target = socket
            http = Self.http
        case .remote(let baseURL, let token, let caFile):
            request = HTTPClientRequest(url: baseURL + path)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            target = baseURL
            http = try Self.remoteClient(caFile: caFile)
        }
        request.method = method
        request.headers.add(name: "User-Agent", value: "spl/\(BuildInfo.semver)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.serialized()))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(timeoutSeconds))
            bytes = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch {
            throw classify(error, endpoint: endpoint, target: target, request: name)
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

    /// The endpoint of this home and environment, resolved once.
    private func resolvedEndpoint() throws(DaemonEndpointError) -> DaemonEndpoint {
        if let endpoint { return endpoint }
        let resolved = try DaemonEndpoint.resolve(
            home: home, environment: CommandEnvironment.variables, tokenFlag: Self.tokenFlag.withLock { $0 })
        endpoint = resolved
        return resolved
    }

    /// The client for a daemon over TCP; with `caFile`, its certificates are trusted beside the system's.
    private static func remoteClient(caFile: String?) throws -> HTTPClient {
        // The CA file is read once, with the client it configures, not on every request.
        if let client = remoteClients.withLock({ $0[caFile ?? ""] }) { return client }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            } catch {
                throw DaemonClientError.unusableCAFile(path: caFile, reason: "\(error)")
            }
        }
        return remoteClients.withLock { clients in
            if let client = clients[caFile ?? ""] { return client }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[caFile ?? ""] = client
            return client
        }
    }

    /// Connection failures that mean "nobody is there" become `notRunning` (the socket) or
    /// `notReachable` (a URL); the rest keep their reason. `target` is the socket path or the URL.
    private func classify(_ error: any Error, endpoint: DaemonEndpoint, target socket: String, request: String) -> any Error {
        let remote = if case .remote = endpoint { true } else { false }
        if let io = error as? IOError, [ECONNREFUSED, ENOENT, ENOTSOCK].contains(io.errnoCode) {
            return remote ? DaemonClientError.notReachable(url: socket) : DaemonClientError.notRunning(home: home.root)
        }
        if remote, let tls = error as? NIOSSLError {
            return DaemonClientError.tlsFailed(url: socket, request: request, reason: "\(tls)")
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
