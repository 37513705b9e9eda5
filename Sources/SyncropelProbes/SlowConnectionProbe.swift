import Foundation
import Glibc

/// Issue 13's slow-connection probe: 200 connections trickle a request head a byte a second
/// beside a valid client, whose latency is sampled before and while they are open.
///
/// The probe knows no HTTP client of its own: the caller says how to open a raw connection to
/// the daemon and how to make one valid request, so the end-to-end test and `spl-bench` drive
/// the same probe with their own clients. Runs blocking on the caller's thread.
public struct SlowConnectionProbe: Sendable {
    public struct Result: Sendable {
        /// The valid client's latencies before and during the slow connections.
        public let before: LatencySample
        public let during: LatencySample
        /// How the slow connections ended: the server answered, or closed them; `stillOpen` neither.
        public let answered: Int
        public let closed: Int
        public let stillOpen: Int
        /// Seconds from the first slow connection to the last one ending.
        public let secondsToEnd: Double
    }

    public var slowConnections = 200
    public var samples = 100
    /// Longer than the request head takes at a byte a second, so only the server's timeout ends it.
    public var headBytes = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 80))\r\n\r\n".utf8)
    private let connect: @Sendable () throws -> Int32
    private let validRequest: @Sendable () throws -> Void

    /// `connect` opens a new connection to the daemon's TCP port; `validRequest` makes one
    /// request a well-behaved client would, throwing unless it is answered as expected.
    public init(connect: @escaping @Sendable () throws -> Int32, validRequest: @escaping @Sendable () throws -> Void) {
        self.connect = connect
        self.validRequest = validRequest
    }

    /// Runs the probe; `seconds` bounds the wait for the server to end every slow connection.
    public func run(deadline seconds: Double) throws -> Result {
        // The same pace before as during, so only the slow connections differ.
        let before = try LatencySample.measure(samples, pause: 0.01, validRequest)
        let started = Date()
        var slow = try (0..<slowConnections).map { _ in TricklingSocket(descriptor: try connect()) }
        defer { slow.forEach { close($0.descriptor) } }
        var nextByte = Date()
        let during = try LatencySample.measure(samples, pause: 0.01, between: { trickle(&slow, due: &nextByte) }, validRequest)
        let deadline = started.addingTimeInterval(seconds)
        while Date() < deadline, slow.contains(where: { $0.outcome == nil }) {
            trickle(&slow, due: &nextByte)
            usleep(50_000)
        }
        return Result(
            before: before, during: during,
            answered: slow.filter { $0.outcome == .answered }.count, closed: slow.filter { $0.outcome == .closed }.count,
            stillOpen: slow.filter { $0.outcome == nil }.count, secondsToEnd: Date().timeIntervalSince(started))
    }

    /// Once a second, the next byte of the head to every connection still open; every pass,
    /// what the server did with each.
    private func trickle(_ slow: inout [TricklingSocket], due: inout Date) {
        let sendNow = Date() >= due
        if sendNow { due = due.addingTimeInterval(1) }
        for index in slow.indices where slow[index].outcome == nil {
            slow[index].observe()
            if sendNow, slow[index].outcome == nil, slow[index].sent < headBytes.count {
                slow[index].send(headBytes[slow[index].sent])
            }
        }
    }
}

/// One trickling connection and what the server did with it.
private struct TricklingSocket {
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
