import Foundation

/// What a timed burst of requests cost on the client side.
struct LoadResult {
    let requests: Int
    let wallSeconds: Double
    /// The benchmark process's user+sys seconds during the burst.
    let cpuSeconds: Double

    var perSecond: Double { Double(requests) / wallSeconds }

    /// "load generator 0.18 cores": shows the client was not what bounded the figure.
    var clientNote: String { String(format: "load generator %.2f cores", cpuSeconds / wallSeconds) }
}

/// A burst against one daemon and the daemon's peak memory during it.
struct MeasuredLoad {
    let load: LoadResult
    let peakMB: Double?
    /// Said when the peak covers more than this burst.
    let memoryNotes: [String]

    /// Runs `burst` against the running daemon of `instance`, reading its peak memory around it.
    static func measure(_ instance: ScratchInstance, _ burst: () throws -> LoadResult) throws -> MeasuredLoad {
        let (load, peakMB, memoryNotes) = try around(instance, burst)
        return MeasuredLoad(load: load, peakMB: peakMB, memoryNotes: memoryNotes)
    }

    /// What `body` returns (a burst by any load generator), with the daemon's peak memory
    /// during it and what that peak covers.
    static func around<Result>(
        _ instance: ScratchInstance, _ body: () throws -> Result
    ) throws -> (result: Result, peakMB: Double?, memoryNotes: [String]) {
        let memory = PeakMemory.begin(try instance.requirePID())
        let result = try body()
        return (result, memory.megabytes(), memory.note.map { [$0] } ?? [])
    }
}

/// Sends prebuilt requests over keep-alive connections, one OS thread per connection,
/// all released at once after the threads exist, and times the whole burst.
enum LoadGenerator {
    /// `requests[c]` goes over `connections[c]` in order; every answer must be `expectedStatus`.
    static func run(_ requests: [[[UInt8]]], over connections: [HTTPLoadClient], expectedStatus: Int, label: String) throws -> LoadResult {
        let gate = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        let failures = FailureBox()
        for (client, connection) in connections.enumerated() {
            let mine = requests[client]
            finished.enter()
            let thread = Thread {
                gate.wait()
                defer { finished.leave() }
                do {
                    for request in mine {
                        let answer = try connection.exchange(request)
                        if answer.status != expectedStatus {
                            throw BenchError.requestRefused(request: label, status: answer.status, body: answer.bodyText)
                        }
                    }
                } catch {
                    failures.add(error)
                }
            }
            thread.start()
        }
        let cpuBefore = Stopwatch.processCPUSeconds()
        let started = Stopwatch.now()
        for _ in connections { gate.signal() }
        finished.wait()
        let wall = Stopwatch.now() - started
        let cpu = Stopwatch.processCPUSeconds() - cpuBefore
        if let failure = failures.first { throw failure }
        return LoadResult(requests: requests.reduce(0) { $0 + $1.count }, wallSeconds: wall, cpuSeconds: cpu)
    }
}

/// The first error any load thread hit.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []

    func add(_ error: any Error) { lock.withLock { errors.append(error) } }
    var first: (any Error)? { lock.withLock { errors.first } }
}
