import Foundation
import SyncropelTestSupport

/// Why a bounded `spl` run gave no result: a hung daemon must fail its test, not hang CI.
struct BoundedRunError: Error, CustomStringConvertible {
    let arguments: [String]
    let seconds: Double
    let stdout: String
    let stderr: String
    /// True when `spl` exited but something it started still held its stdout or stderr open,
    /// as `spl serve --daemon` must not (a caller's `| tail -5` would hang).
    let outputHeldOpen: Bool

    var description: String {
        let what = outputHeldOpen
            ? "exited, but its stdout/stderr stayed open for \(seconds) s after (an inherited descriptor)"
            : "did not exit within \(seconds) s and was killed"
        return "spl \(arguments.joined(separator: " ")) \(what); stdout: \(stdout.debugDescription) stderr: \(stderr.debugDescription)"
    }
}

extension SPLProcess {
    /// Runs `spl` off the cooperative pool, with stdin on /dev/null, and kills it after
    /// `seconds`. Throws `BoundedRunError` on a timeout or when its output stays open after it exited.
    func run(_ arguments: [String], timeout seconds: Double, extraEnvironment: [String: String] = [:]) async throws -> Result {
        let environment = environment.merging(extraEnvironment) { $1 }
        return try await offThePool { try Self.runBounded(arguments, environment: environment, seconds: seconds) }
    }

    /// The blocking form, for clean-up handed off by a `defer` where nothing can be awaited.
    static func runBounded(_ arguments: [String], environment: [String: String], seconds: Double) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe.forOneChild()
        let error = Pipe.forOneChild()
        process.standardOutput = output
        process.standardError = error
        let outputDrain = PipeDrain(output.fileHandleForReading)
        let errorDrain = PipeDrain(error.fileHandleForReading)
        try process.run()
        let watchdog = ExitWatchdog(pid: process.processIdentifier, seconds: seconds)
        let status = process.waitForExit()
        let killed = watchdog.disarm()
        // The write ends are closed once spl and everything it spawned let go of them. A daemon
        // that inherited them would hold them for good; 10 s leaves room for a loaded machine.
        let grace: Double = killed ? 1 : 10
        let drained = outputDrain.wait(seconds: grace) && errorDrain.wait(seconds: grace)
        let stdout = String(decoding: outputDrain.data, as: UTF8.self)
        let stderr = String(decoding: errorDrain.data, as: UTF8.self)
        if killed || !drained {
            throw BoundedRunError(
                arguments: arguments, seconds: killed ? seconds : grace, stdout: stdout, stderr: stderr, outputHeldOpen: !killed)
        }
        return Result(status: status, stdout: stdout, stderr: stderr)
    }
}

/// Reads a pipe to its end on a thread of its own, keeping what arrived so far readable.
private final class PipeDrain: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let descriptor = handle.fileDescriptor
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                lock.withLock { collected.append(contentsOf: buffer[0..<count]) }
            }
            finished.signal()
        }.start()
    }

    var data: Data { lock.withLock { collected } }

    /// True when the pipe reached its end within `seconds`.
    func wait(seconds: Double) -> Bool {
        guard finished.wait(timeout: .now() + seconds) == .success else { return false }
        finished.signal()
        return true
    }
}

/// SIGKILLs a process that outlives its time; `disarm()` after it exited says whether it fired.
private final class ExitWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var exited = false
    private var fired = false

    init(pid: Int32, seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            lock.withLock {
                guard !exited else { return }
                fired = true
                kill(pid, SIGKILL)
            }
        }
    }

    func disarm() -> Bool {
        lock.withLock {
            exited = true
            return fired
        }
    }
}
