import Foundation
import SyncropelTestSupport

/// One HTTP/1.1 exchange on a fresh connection, with request bytes the test controls
/// exactly (invalid UTF-8, a Content-Length that lies, a body cut short), over TCP or
/// the daemon's unix socket.
///
/// Sending and receiving share one poll loop, so a server that answers before it has
/// read the whole body (413) neither deadlocks the test nor kills it with SIGPIPE.
struct RawHTTPExchange {
    struct Response {
        /// Nil when the server closed the connection without answering.
        let status: Int?
        let headers: [String: String]
        let body: [UInt8]

        /// The body as a JSON object, when it is one.
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }
    }

    enum Endpoint: Sendable {
        case tcp(port: Int)
        case unixSocket(path: String)
    }

    /// A request with `Connection: close`, the given content type and headers, and a
    /// Content-Length that is the body's real length unless `contentLength` says otherwise.
    static func request(
        _ method: String, _ path: String, body: [UInt8]? = nil, contentType: String? = "application/json",
        contentLength: String? = nil, headers: [String: String] = [:], token: String? = TestToken.bootstrap
    ) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if let length = contentLength ?? body.map({ String($0.count) }) { head += "Content-Length: \(length)\r\n" }
        return Array((head + "\r\n").utf8) + (body ?? [])
    }

    /// Sends `bytes`, then half-closes unless told not to (so a server waiting for more body
    /// sees the end), and reads until the answer is complete, the server closes, or `seconds`
    /// pass. A well-formed request should not half-close: the server may take the end of its
    /// input as the client leaving and cut a long answer short.
    static func send(_ bytes: [UInt8], to endpoint: Endpoint, seconds: Double = 60, halfClose: Bool = true) throws -> Response {
        let descriptor = try connect(endpoint)
        defer { close(descriptor) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        let deadline = Date().addingTimeInterval(seconds)
        var sent = 0
        var writing = true
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date() < deadline, !isComplete(received) {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN) | (writing ? Int16(POLLOUT) : 0), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            if writing, poller.revents & Int16(POLLOUT) != 0 {
                let count = bytes.withUnsafeBytes { raw in
                    Glibc.send(descriptor, raw.baseAddress! + sent, min(65_536, bytes.count - sent), Int32(MSG_NOSIGNAL))
                }
                if count > 0 { sent += count }
                if count < 0, errno != EAGAIN { writing = false }
                if sent == bytes.count {
                    writing = false
                    if halfClose { shutdown(descriptor, Int32(SHUT_WR)) }
                }
            }
            if poller.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count > 0 {
                    received += buffer[0..<count]
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    break
                }
            }
        }
        return parse(received)
    }

    /// A connected socket to `endpoint`, blocking, close-on-exec.
    static func connect(_ endpoint: Endpoint) throws -> Int32 {
        switch endpoint {
        case .tcp(let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return try connect(family: AF_INET, to: address)
        case .unixSocket(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let pathBytes = Array(path.utf8)
            guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw POSIXError(.ENAMETOOLONG) }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
            return try connect(family: AF_UNIX, to: address)
        }
    }

    private static func connect<Address>(family: Int32, to address: Address) throws -> Int32 {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = address
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<Address>.size)) == 0
            }
        }
        guard connected else {
            close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
        return descriptor
    }

    /// The head's end, when the bytes hold all of it.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index - 3...index] == [13, 10, 13, 10] {
            return index + 1
        }
        return nil
    }

    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        guard let end = headEnd(bytes) else { return false }
        let headers = parseHead(bytes[..<end]).headers
        if headers["transfer-encoding"] == "chunked" { return dechunked(bytes[end...]) != nil }
        guard let length = headers["content-length"].flatMap({ Int($0) }) else { return false }
        return bytes.count - end >= length
    }

    /// The body of a chunked answer, or nil until its last (empty) chunk has arrived.
    private static func dechunked(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var body: [UInt8] = []
        var index = bytes.startIndex
        while let lineEnd = bytes[index...].firstRange(of: [13, 10]) {
            guard let size = Int(String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self), radix: 16) else { return nil }
            let start = lineEnd.upperBound
            guard size > 0 else { return body }
            guard bytes.endIndex - start >= size + 2 else { return nil }
            body += bytes[start..<(start + size)]
            index = start + size + 2
        }
        return nil
    }

    private static func parseHead(_ head: ArraySlice<UInt8>) -> (status: Int?, headers: [String: String]) {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let status = lines.first.flatMap { line in line.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    private static func parse(_ bytes: [UInt8]) -> Response {
        guard let end = headEnd(bytes) else { return Response(status: nil, headers: [:], body: []) }
        let head = parseHead(bytes[..<end])
        let body = head.headers["transfer-encoding"] == "chunked" ? dechunked(bytes[end...]) ?? [] : Array(bytes[end...])
        return Response(status: head.status, headers: head.headers, body: body)
    }
}
