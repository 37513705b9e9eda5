import CSpawn
import Foundation
import SyncropelHome

/// `spl serve --daemon`: starts `spl serve --foreground` as a detached child and
/// waits until it is ready or has failed (SPEC 5.1).
///
/// The child is a new session with stdin from /dev/null, stdout and stderr
/// appended to logs/spl.stderr.log and no other inherited descriptor, so a
/// caller's pipe (`spl serve --daemon | tail -5`) closes when this process exits.
/// This process never forks: a threaded Swift process must not.
public struct DaemonLauncher: Sendable {
    public let home: HomeLayout
    public let options: ServeOptions
    public let environment: [String: String]
    /// How long the child may stay in one phase before the start counts as hung.
    public var progressTimeout: Duration = .seconds(30)
    /// Whether the child's banner is copied to stdout once it is ready (`-o json` prints the health object instead).
    public var printsBanner = true

    public init(home: HomeLayout, options: ServeOptions, environment: [String: String]) {
        self.home = home
        self.options = options
        self.environment = environment
    }

    /// Returns the exit code for `spl serve --daemon`: 0 once the child is ready (its
    /// banner copied to stdout), else the child's exit code with its reason on stderr.
    public func start() async -> Int32 {
        do {
            try home.create()
        } catch {
            return fail("cannot create \(home.root): \(error)", code: 1)
        }
        let output = home.stderrLogFile
        let offset = fileSize(output)
        // Where this start's log lines begin: a failure reports those, not an earlier start's.
        let logOffset = fileSize(home.logFile)
        let pid: pid_t
        do {
            pid = try spawn(output: output)
        } catch {
            return fail("cannot start \(error)", code: 5)
        }
        var phase = ""
        var lastProgress = ContinuousClock.now
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return childExited(status: status, output: readOutput(output, from: offset), logOffset: logOffset)
            }
            if let info = try? RunInfo.read(from: home.runInfoFile), info.pid == pid, info.phase != phase {
                phase = info.phase
                lastProgress = .now
                if phase == "ready" {
                    if printsBanner { FileHandle.standardOutput.write(Data(readOutput(output, from: offset).utf8)) }
                    return 0
                }
            }
            if ContinuousClock.now - lastProgress > progressTimeout {
                kill(pid, SIGTERM)
                return fail("no progress for \(progressTimeout) (phase \(phase.isEmpty ? "starting" : phase)); see \(home.logFile)", code: 5)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private func spawn(output: String) throws -> pid_t {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let arguments = ["spl", "serve", "--foreground"] + options.arguments
        // The child starts in /: it must find the home by its absolute path.
        var variables = environment
        variables["SYNCROPEL_HOME"] = home.root
        let environmentLines = variables.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(arguments) { argv in
            withCStrings(environmentLines) { envp in
                cspawn_detached(executable, argv, envp, output, &pid)
            }
        }
        guard result == 0 else { throw SpawnError(executable: executable, code: result) }
        return pid
    }

    private func childExited(status: Int32, output: String, logOffset: UInt64) -> Int32 {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        let lines = output.split(separator: "\n").map(String.init)
        let reason =
            signal != 0
            ? "it crashed (signal \(signal)); its output is in \(home.stderrLogFile)"
            : lines.last { $0.hasPrefix("Error: ") }.map { String($0.dropFirst("Error: ".count)) }
                ?? "it exited with code \(code) before it was ready; its output is in \(home.stderrLogFile)"
        var report = "Error: failed to start spl serve: \(reason)\n"
        // The daemon's own start-up errors; the HTTP server's shutdown chatter is left in the log.
        for line in LogFileReader.lastErrorLines(in: home.logFile, from: logOffset, limit: 20).filter({ $0.contains(" ERROR startup: ") }).suffix(3) {
            report += "  \(line)\n"
        }
        FileHandle.standardError.write(Data(report.utf8))
        return code == 0 ? 5 : Int32(code)
    }

    private func fail(_ reason: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data("Error: failed to start spl serve: \(reason)\n".utf8))
        return code
    }

    private func fileSize(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }

    private func readOutput(_ path: String, from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }
}

struct SpawnError: Error, CustomStringConvertible {
    let executable: String
    let code: Int32
    var description: String { "\(executable): \(String(cString: strerror(code)))" }
}

/// A NUL-terminated C array of C strings that lives for the duration of `body`.
private func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
