import Foundation
import SyncropelTestSupport

/// One `GET /v1/threads/{id}/watch` over a raw TCP socket (the test target has no HTTP
/// client that streams): the response head, then the chunked body parsed into SSE frames
/// as they arrive. Not thread-safe; one test drives it.
final class WatchConnection {
    /// One Server-Sent Event: its `event:`, `id:` and joined `data:` lines.
    struct Frame: Equatable {
        let event: String
        let id: String?
        let data: String
    }

    private(set) var status: Int?
    private(set) var headers: [String: String] = [:]
    private(set) var frames: [Frame] = []
    /// The server finished the response (last chunk) or closed the connection.
    var isEnded: Bool { isResponseComplete || isClosedByServer }
    private(set) var isResponseComplete = false
    private(set) var isClosedByServer = false
    /// False to drop `data:` of record frames as they arrive (a crowd of watchers keeps only ids).
    var keepsRecordData = true
    private var descriptor: Int32
    private var unparsed: [UInt8] = []
    private var body: [UInt8] = []
    private var isChunked = false
    private var contentLeft: Int?

    /// Connects to 127.0.0.1:`port` and sends the request. `receiveBuffer` shrinks the socket's
    /// receive buffer (before connecting, so the window stays small) for a client that lags.
    init(port: Int, thread: String, query: String = "", headers extra: [String: String] = [:], receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
        var request = "GET /v1/threads/\(thread)/watch\(query) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        request += "Authorization: Bearer \(TestToken.bootstrap)\r\n"
        for (name, value) in extra { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            Glibc.close(descriptor)
            throw POSIXError(.EIO)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    /// Closes the client side, as a client that goes away does.
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    var recordFrames: [Frame] { frames.filter { $0.event == "record.created" } }
    var recordIDs: [Int64] { recordFrames.compactMap { $0.id.flatMap(Int64.init) } }
    var heartbeats: Int { frames.filter { $0.event == "heartbeat" }.count }

    /// Reads what the socket holds without blocking; true when anything arrived.
    @discardableResult
    func readAvailable() -> Bool {
        guard descriptor >= 0, !isClosedByServer else { return false }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var didRead = false
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                unparsed += buffer[0..<count]
                didRead = true
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                isClosedByServer = true
            }
            break
        }
        if didRead { parse() }
        return didRead
    }

    /// Reads from `connections` until `done` holds; false when `seconds` pass first.
    /// Blocks, so call it off the cooperative pool (`offThePool`).
    static func wait(_ connections: [WatchConnection], seconds: Double, until done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !done() {
            guard Date() < deadline else { return false }
            var polled = connections.filter { $0.descriptor >= 0 && !$0.isClosedByServer }
                .map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            if polled.isEmpty { return done() }
            _ = poll(&polled, nfds_t(polled.count), 50)
            for connection in connections where connection.descriptor >= 0 {
                connection.readAvailable()
            }
        }
        return true
    }

    /// `wait` for one connection.
    func wait(seconds: Double, until done: (WatchConnection) -> Bool) -> Bool {
        Self.wait([self], seconds: seconds) { done(self) }
    }

    private func parse() {
        if status == nil {
            guard let end = Self.find("\r\n\r\n", in: unparsed[...]) else { return }
            let head = String(decoding: unparsed[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            unparsed.removeSubrange(..<end.upperBound)
            isChunked = headers["transfer-encoding"]?.lowercased() == "chunked"
            contentLeft = headers["content-length"].flatMap(Int.init)
        }
        if isChunked {
            dechunk()
        } else {
            let count = min(unparsed.count, contentLeft ?? unparsed.count)
            body += unparsed[..<count]
            unparsed.removeSubrange(..<count)
            contentLeft = contentLeft.map { $0 - count }
            if contentLeft == 0 { isResponseComplete = true }
        }
        splitFrames()
    }

    private func dechunk() {
        while !isResponseComplete, let lineEnd = Self.find("\r\n", in: unparsed[...]) {
            let sizeText = String(decoding: unparsed[..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                isResponseComplete = true
                return
            }
            guard unparsed.count >= lineEnd.upperBound + size + 2 else { return }
            body += unparsed[lineEnd.upperBound..<(lineEnd.upperBound + size)]
            unparsed.removeSubrange(..<(lineEnd.upperBound + size + 2))
            if size == 0 { isResponseComplete = true }
        }
    }

    private func splitFrames() {
        var start = body.startIndex
        while let range = Self.find("\n\n", in: body[start...]) {
            frames.append(frame(String(decoding: body[start..<range.lowerBound], as: UTF8.self)))
            start = range.upperBound
        }
        body.removeSubrange(..<start)
    }

    /// Where `pattern` (two or four ASCII bytes) first occurs; memchr keeps a debug build fast.
    private static func find(_ pattern: StaticString, in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        let needle = UnsafeBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount)
        return bytes.withUnsafeBufferPointer { haystack -> Range<Int>? in
            guard let base = haystack.baseAddress else { return nil }
            var offset = 0
            while offset + needle.count <= haystack.count,
                let hit = memchr(base + offset, Int32(needle[0]), haystack.count - offset - needle.count + 1)
            {
                let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + position, needle.baseAddress!, needle.count) == 0 {
                    return (bytes.startIndex + position)..<(bytes.startIndex + position + needle.count)
                }
                offset = position + 1
            }
            return nil
        }
    }

    private func frame(_ text: String) -> Frame {
        var event = "message"
        var id: String?
        var data: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            var value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
            switch line[..<colon] {
            case "event": event = String(value)
            case "id": id = String(value)
            case "data": data.append(String(value))
            default: break
            }
        }
        let keepsData = keepsRecordData || event != "record.created"
        return Frame(event: event, id: id, data: keepsData ? data.joined(separator: "\n") : "")
    }
}
