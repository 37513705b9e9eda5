import Foundation
import SyncropelTestSupport

/// Runs the built `spl` binary in a scratch home with a scratch `HOME`,
/// so end-to-end tests never touch a real home or its backups.
struct SPLProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// `spl` sits beside the test executable in the build folder.
    static let binary: URL = {
        let testExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testExecutable.deletingLastPathComponent().appendingPathComponent("spl")
    }()

    /// The byte-exact vectors kept with the protocol module's tests.
    static func vectorFile(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SyncropelKitTests/Resources/\(name).jsonl")
    }

    let scratch: URL
    var home: URL { scratch.appendingPathComponent("home") }
    var userHome: URL { scratch.appendingPathComponent("user") }

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("spl-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: userHome, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: scratch)
    }

    var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": userHome.path,
            "SYNCROPEL_HOME": home.path,
            "USER": "tester",
            // Every test daemon mints this admin token at its first start; the TCP helpers send it.
            "SPL_BOOTSTRAP_TOKEN": TestToken.bootstrap,
        ]
    }

    /// Runs `spl` to its end; the wait happens off the cooperative pool.
    @discardableResult
    func run(_ arguments: [String], stdin: Data = Data(), extraEnvironment: [String: String] = [:]) async throws -> Result {
        let environment = environment.merging(extraEnvironment) { $1 }
        return try await offThePool { try Self.runBlocking(arguments, stdin: stdin, environment: environment) }
    }

    private static func runBlocking(_ arguments: [String], stdin: Data, environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        let input = Pipe.forOneChild()
        process.standardInput = input
        // Feed stdin while the output is drained, so large inputs and outputs cannot deadlock.
        let writer = Thread {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        let (status, outData, errorData) = try runToEnd(process) { writer.start() }
        return Result(
            status: status, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// Starts `process` with its stdout and stderr on pipes, drains both concurrently, and
    /// waits for it to exit; `started` runs once the process runs.
    static func runToEnd(_ process: Process, started: () -> Void = {}) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let output = Pipe.forOneChild()
        let error = Pipe.forOneChild()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        started()
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let status = process.waitForExit()
        while !errorData.isSet { usleep(1000) }
        return (status, outData, errorData.value)
    }
}

/// A Data box filled by one thread and read by another.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

extension Pipe {
    /// A pipe only the child it is given to inherits. Tests start processes concurrently: a
    /// plain pipe's write end leaks into whatever another test spawns meanwhile (a `spl serve
    /// --daemon` launcher waiting seconds for its daemon), and this child's output then ends
    /// only when that one exits. Close-on-exec stops the leak; the child's own copy, made by
    /// dup2 onto 0, 1 or 2, does not carry the flag.
    static func forOneChild() -> Pipe {
        let pipe = Pipe()
        for handle in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        return pipe
    }
}
