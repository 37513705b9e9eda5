import Foundation

/// What one `spl` command of the drill did.
struct DrillCommandResult {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    /// `spl serve --stop`, for messages.
    var commandLine: String { (["spl"] + arguments).joined(separator: " ") }

    /// The first line of stderr, else of stdout, without its `Error: `: what a failure said.
    var firstMessage: String {
        let text = stderr.isEmpty ? stdout : stderr
        let line = text.split(separator: "\n").first.map(String.init) ?? "no output"
        return line.hasPrefix("Error: ") ? String(line.dropFirst("Error: ".count)) : line
    }
}

/// Runs this very binary as a child process, as an operator types each command of the drill.
///
/// Output goes to files in the scratch folder rather than pipes: nothing has to drain them,
/// and `--keep` leaves a record of every command. A child that runs longer than `timeout`
/// is killed, so a hung daemon fails the drill instead of hanging it.
final class DrillCommandRunner {
    let executable: String
    let environment: [String: String]
    let outputFolder: String
    let timeout: Duration
    let gate: DrillChildGate
    /// Commands run so far, to name their output files in order.
    private var count = 0

    init(executable: String, environment: [String: String], outputFolder: String, timeout: Duration, gate: DrillChildGate) {
        self.executable = executable
        self.environment = environment
        self.outputFolder = outputFolder
        self.timeout = timeout
        self.gate = gate
    }

    func run(_ arguments: [String]) async throws -> DrillCommandResult {
        count += 1
        let stem = outputFolder + "/" + String(format: "%02d", count) + "-" + arguments.prefix(2).joined(separator: "-")
        let stdoutPath = stem + ".stdout"
        let stderrPath = stem + ".stderr"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let stdoutFile = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        defer { try? stdoutFile.close() }
        let stderrFile = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? stderrFile.close() }
        process.standardOutput = stdoutFile
        process.standardError = stderrFile
        let status = try await wait(for: process)
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        guard let status else {
            throw DrillFailure("spl \(arguments.joined(separator: " ")) did not finish within \(timeout) and was killed")
        }
        return DrillCommandResult(arguments: arguments, status: status, stdout: stdout, stderr: stderr)
    }

    /// The exit status, or nil when the child was killed for taking longer than `timeout`.
    private func wait(for process: Process) async throws -> Int32? {
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try gate.launch(process)
        defer { gate.finished() }
        let pid = process.processIdentifier
        let timeout = timeout
        let watchdog = Task { () -> Bool in
            do { try await Task.sleep(for: timeout) } catch { return false }
            kill(pid, SIGKILL)
            return true
        }
        var iterator = exited.stream.makeAsyncIterator()
        let status = await iterator.next()
        watchdog.cancel()
        return await watchdog.value ? nil : status
    }
}
