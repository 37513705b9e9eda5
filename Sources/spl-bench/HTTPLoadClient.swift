import Foundation
import Glibc

/// One HTTP answer: the status and the body bytes (de-chunked).
struct HTTPAnswer {
    let status: Int
    let body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking HTTP/1.1 keep-alive connection over TCP or a unix socket.
///
/// The load generator must stay light so the daemon, not the client, bounds the figures:
/// requests are prebuilt bytes written with one `write`, and of each answer only the status
/// line, `Content-Length` and chunked framing are parsed. One connection per OS thread.
final class HTTPLoadClient: @unchecked Sendable {
    /// `127.0.0.1:<port>` or the socket path, for error messages.
    let address: String
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    /// Connects to `127.0.0.1:port` with TCP_NODELAY, as a client sending small requests would.
    init(port: Int) throws {
        address = "127.0.0.1:\(port)"
        descriptor = try Self.rawConnection(port: port)
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A bare TCP connection to `127.0.0.1:port`, for a probe that writes its own bytes; the
    /// caller closes it.
    static func rawConnection(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError.connectFailed(address: "127.0.0.1:\(port)", errno: errno) }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
        socketAddress.sin_addr.s_addr = inet_addr("127.0.0.1")
        try connect(descriptor, to: socketAddress, address: "127.0.0.1:\(port)")
        return descriptor
    }

    /// Connects to the daemon's unix socket, where it signs records with the instance key.
    init(unixSocket path: String) throws {
        address = path
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError.connectFailed(address: address, errno: errno) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard pathBytes.count < capacity else {
            close(descriptor)
            throw BenchError.connectFailed(address: address, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        try Self.connect(descriptor, to: socketAddress, address: address)
    }

    /// Connects `descriptor` to a `sockaddr_in` or `sockaddr_un`; closes it when that fails.
    private static func connect<Address>(_ descriptor: Int32, to socketAddress: Address, address: String) throws {
        var socketAddress = socketAddress
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard connected == 0 else {
            let failure = errno
            close(descriptor)
            throw BenchError.connectFailed(address: address, errno: failure)
        }
    }

    deinit { close(descriptor) }

    /// Sends one prebuilt request and reads its whole answer.
    func exchange(_ request: [UInt8]) throws -> HTTPAnswer {
        try writeAll(request)
        return try readAnswer()
    }

    /// The bytes of one request with `Host`, the scratch daemons' token (nil sends none), and a
    /// JSON body when given.
    static func request(
        _ method: String, _ target: String, json body: [UInt8]? = nil, token: String? = ScratchEnvironment.token
    ) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw BenchError.connectionLost(address: address, detail: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    private func readAnswer() throws -> HTTPAnswer {
        let headEnd = try readUntilHeadEnd()
        let (status, length, chunked) = try parseHead(start..<headEnd)
        start = headEnd + 4
        if chunked { return HTTPAnswer(status: status, body: try readChunks()) }
        let count = length ?? 0
        try fill(count)
        let body = Array(buffer[start..<(start + count)])
        start += count
        return HTTPAnswer(status: status, body: body)
    }

    /// The index of the `\r\n\r\n` that ends the head, reading more as needed.
    private func readUntilHeadEnd() throws -> Int {
        var scanned = 0
        while true {
            let found = buffer.withUnsafeBufferPointer { bytes -> Int? in
                var index = start + scanned
                while index + 3 < end {
                    if bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                        return index
                    }
                    index += 1
                }
                return nil
            }
            if let found { return found }
            scanned = max(0, end - start - 3)
            try fill(end - start + 1)
        }
    }

    /// Status code, Content-Length and whether the body is chunked, from the head bytes.
    private func parseHead(_ range: Range<Int>) throws -> (Int, Int?, Bool) {
        let head = buffer[range]
        guard head.count >= 12, head.starts(with: Array("HTTP/1.".utf8)),
            let status = Int(String(decoding: head[(range.lowerBound + 9)..<(range.lowerBound + 12)], as: UTF8.self))
        else {
            throw BenchError.badAnswer(request: address, detail: "status line \(String(decoding: head.prefix(40), as: UTF8.self))")
        }
        var length: Int?
        var chunked = false
        for line in head.split(separator: 10) {
            let text = String(decoding: line, as: UTF8.self).lowercased()
            if text.hasPrefix("content-length:") {
                length = Int(text.dropFirst(15).trimmingCharacters(in: .whitespacesAndNewlines))
            } else if text.hasPrefix("transfer-encoding:") {
                chunked = text.contains("chunked")
            }
        }
        return (status, length, chunked)
    }

    /// A chunked body: size lines in hex, then the data, until the zero chunk.
    private func readChunks() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let lineEnd = try readLineEnd()
            let sizeText = String(decoding: buffer[start..<lineEnd], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                throw BenchError.badAnswer(request: address, detail: "chunk size \(sizeText)")
            }
            start = lineEnd + 2
            try fill(size + 2)
            body += buffer[start..<(start + size)]
            start += size + 2
            if size == 0 { return body }
        }
    }

    private func readLineEnd() throws -> Int {
        while true {
            if let index = buffer[start..<end].firstIndex(of: 13), index + 1 < end {
                return index
            }
            try fill(end - start + 1)
        }
    }

    /// Makes at least `count` unread bytes available, compacting and growing the buffer.
    private func fill(_ count: Int) throws {
        while end - start < count {
            if start > 0 {
                buffer.withUnsafeMutableBufferPointer { bytes in
                    _ = memmove(bytes.baseAddress!, bytes.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            if buffer.count < count {
                buffer += [UInt8](repeating: 0, count: count - buffer.count + (1 << 16))
            }
            let received = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + end, raw.count - end)
            }
            if received < 0 {
                if errno == EINTR { continue }
                throw BenchError.connectionLost(address: address, detail: String(cString: strerror(errno)))
            }
            if received == 0 {
                throw BenchError.connectionLost(address: address, detail: "closed by the daemon")
            }
            end += received
        }
    }
}

/// TCP ports nothing listens on: bind port 0, read the port the kernel chose, close.
enum FreePort {
    static func next() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError.connectFailed(address: "127.0.0.1:0", errno: errno) }
        defer { close(descriptor) }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError.connectFailed(address: "127.0.0.1:0", errno: errno) }
        return Int(UInt16(bigEndian: socketAddress.sin_port))
    }
}
