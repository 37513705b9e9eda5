import Foundation

/// An HTTP/1.1 server on 127.0.0.1, a thread per connection, that
/// answers each request with what `answer` returns for its request line (`GET /b/k?x=1`):
/// for the answers a real S3 never gives (endless listings, huge or damaged bodies, silence).
final class FakeS3Server: @unchecked Sendable {
    struct Answer {
        var status = 200
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        /// Promise 1 000 more bytes than `body` and keep the connection open: a body that stalls.
        var stalls = false
        /// Close the connection without a word, as a server dropping it under load.
        var hangsUp = false
        /// Promise 1 000 more bytes than `body`, then close the connection: an answer cut off.
        var cutsShort = false
    }

    let port: Int
    var endpoint: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let lock = NSLock()
    private var silent: [Int32] = []

    /// `answer` returning nil keeps the connection open and says nothing.
    init(answer: @escaping @Sendable (String) -> Answer?) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, bound else {
            let code = errno
            close(descriptor)
            throw FakeS3ServerError.cannotListen(errno: code)
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in serve(answer) }.start()
    }

    /// Stops accepting and closes every connection held open.
    ///
    /// The listening socket is shut down here but closed by the accept thread as it leaves:
    /// closed here, its number could go to another test's new socket while the accept thread
    /// is about to call accept on it again, and take that test's connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        lock.withLock {
            silent.forEach { close($0) }
            silent = []
        }
    }

    private func serve(_ answer: @escaping @Sendable (String) -> Answer?) {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            // A signal (SIGCHLD of a process another test started) interrupts accept; only
            // `stop` ends the loop.
            if connection < 0, errno == EINTR || errno == ECONNABORTED { continue }
            guard connection >= 0 else { return }
            // A process another test spawns must not inherit the connection and keep it open.
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            // A thread per connection: a client may open one it does not use yet.
            Thread { [self] in handle(connection, answer) }.start()
        }
    }

    private func handle(_ connection: Int32, _ answer: @Sendable (String) -> Answer?) {
        guard let requestLine = readRequest(connection), let reply = answer(requestLine) else {
            lock.withLock { silent.append(connection) }
            return
        }
        guard !reply.hangsUp else {
            close(connection)
            return
        }
        let length = reply.body.count + (reply.stalls || reply.cutsShort ? 1000 : 0)
        var head = "HTTP/1.1 \(reply.status) Fake\r\nContent-Length: \(length)\r\nConnection: close\r\n"
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + reply.body
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            sent += count
        }
        if reply.stalls {
            lock.withLock { silent.append(connection) }
        } else {
            close(connection)
        }
    }

    /// Reads the head and the Content-Length body of one request; its request line.
    private func readRequest(_ connection: Int32) -> String? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let blank = Array("\r\n\r\n".utf8)
        while received.firstRange(of: blank) == nil {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            received += buffer[..<count]
        }
        let headEnd = received.firstRange(of: blank)!.upperBound
        let head = String(decoding: received[..<headEnd], as: UTF8.self)
        let length = head.split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        var bodyCount = received.count - headEnd
        while bodyCount < length {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            bodyCount += count
        }
        return head.split(separator: "\r\n").first.map { String($0.split(separator: " ").dropLast().joined(separator: " ")) }
    }
}

enum FakeS3ServerError: Error {
    case cannotListen(errno: Int32)
}
