import Foundation

/// 200 connections that trickle a request head a byte a second, beside a valid client whose
/// `GET /health` latency is measured before and while they are open (issue 13's probe).
///
/// Runs blocking on the caller's thread: call it through `offThePool`.
struct SlowConnectionProbe {
    struct Result {
        /// Median milliseconds of the valid client's requests before and during the slow connections.
        let medianBefore: Double
        let medianDuring: Double
        /// How the slow connections ended: the server answered, or closed them; `stillOpen` neither.
        let answered: Int
        let closed: Int
        let stillOpen: Int
        /// Seconds from the first slow connection to the last one ending.
        let secondsToEnd: Double
    }

    let port: Int
    var slowConnections = 200
    var samples = 100
    /// Longer than the request head takes at a byte a second, so only the server's timeout ends it.
    var headBytes = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 80))\r\n\r\n".utf8)

    func run(deadline seconds: Double) throws -> Result {
        // The same pace before as during, so only the slow connections differ.
        let before = try (0..<samples).map { _ in
            usleep(10_000)
            return try validRequestMilliseconds()
        }
        let started = Date()
        var slow = try (0..<slowConnections).map { _ in SlowSocket(descriptor: try RawHTTPExchange.connect(.tcp(port: port))) }
        defer { slow.forEach { close($0.descriptor) } }
        var nextByte = Date()
        var during: [Double] = []
        while during.count < samples {
            trickle(&slow, due: &nextByte)
            usleep(10_000)
            during.append(try validRequestMilliseconds())
        }
        let deadline = started.addingTimeInterval(seconds)
        while Date() < deadline, slow.contains(where: { $0.outcome == nil }) {
            trickle(&slow, due: &nextByte)
            usleep(50_000)
        }
        let ended = Date().timeIntervalSince(started)
        return Result(
            medianBefore: Self.median(before), medianDuring: Self.median(during),
            answered: slow.filter { $0.outcome == .answered }.count, closed: slow.filter { $0.outcome == .closed }.count,
            stillOpen: slow.filter { $0.outcome == nil }.count, secondsToEnd: ended)
    }

    private func validRequestMilliseconds() throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try RawHTTPExchange.send(
            RawHTTPExchange.request("GET", "/health", contentType: nil), to: .tcp(port: port), seconds: 30, halfClose: false)
        guard response.status == 200 else { throw ProbeError.validRequestFailed(status: response.status) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// Once a second, the next byte of the head to every connection still open; every pass,
    /// what the server did with each.
    private func trickle(_ slow: inout [SlowSocket], due: inout Date) {
        let sendNow = Date() >= due
        if sendNow { due = due.addingTimeInterval(1) }
        for index in slow.indices where slow[index].outcome == nil {
            slow[index].observe()
            if sendNow, slow[index].outcome == nil, slow[index].sent < headBytes.count {
                slow[index].send(headBytes[slow[index].sent])
            }
        }
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    enum ProbeError: Error {
        case validRequestFailed(status: Int?)
    }
}

/// One trickling connection and what the server did with it.
private struct SlowSocket {
    enum Outcome { case answered, closed }
    let descriptor: Int32
    var sent = 0
    var outcome: Outcome?

    init(descriptor: Int32) {
        self.descriptor = descriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    mutating func send(_ byte: UInt8) {
        var value = byte
        if Glibc.send(descriptor, &value, 1, Int32(MSG_NOSIGNAL)) == 1 {
            sent += 1
        } else if errno != EAGAIN {
            outcome = .closed
        }
    }

    /// Reads what is there without waiting: an answer, the end, or a reset.
    mutating func observe() {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count > 0 {
            outcome = buffer.starts(with: Array("HTTP/".utf8)) ? .answered : .closed
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            outcome = .closed
        }
    }
}
