import Foundation
import Glibc

/// A finished child process: how it exited, what it printed, and what it cost.
struct ChildResult {
    let status: Int32
    let stdout: String
    let stderr: String
    /// From just before posix_spawn to the return of wait4.
    let wallSeconds: Double
    /// The child's own user plus system time, from wait4's rusage.
    let cpuSeconds: Double

    /// CPU seconds per wall second: 2.0 means both cores were busy throughout.
    var coresUsed: Double { wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 }
}

/// Runs a program to its end with posix_spawn and wait4.
///
/// Not Foundation's `Process`: wait4 gives the child's rusage (the CPU use `backup verify`
/// reports), and nothing but spawn and wait sits inside the timing of short commands like
/// `spl know`. Output goes to files in a scratch folder, so a daemon that inherits them can
/// never block on a full pipe. SIGINT and SIGTERM are reset to their defaults in the child,
/// since the benchmark itself handles them.
struct ChildProcess {
    let executable: String
    let arguments: [String]
    let environment: [String: String]

    /// The command line as the error messages show it.
    var commandLine: String { ([executable] + arguments).joined(separator: " ") }

    /// Runs to the end (killed after `timeout` seconds); output files live in `scratch`.
    func run(scratch: String, timeout: Double) throws -> ChildResult {
        let outputPath = scratch + "/child-\(getpid())-\(ChildOutputCounter.next()).out"
        let errorPath = outputPath.dropLast(4) + ".err"
        defer {
            unlink(outputPath)
            unlink(String(errorPath))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, String(errorPath), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let started = Stopwatch.now()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw BenchError.spawnFailed(program: executable, errno: spawned) }
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Stopwatch.now() - started
        watchdog.cancel()
        let signalled = status & 0x7f
        if signalled == SIGKILL && wall >= timeout {
            throw BenchError.commandTimedOut(command: commandLine, seconds: timeout)
        }
        let exitStatus = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
        return ChildResult(
            status: exitStatus,
            stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: String(errorPath), encoding: .utf8)) ?? "",
            wallSeconds: wall,
            cpuSeconds: Stopwatch.seconds(usage.ru_utime) + Stopwatch.seconds(usage.ru_stime))
    }

    /// `run`, requiring exit status 0.
    func runChecked(scratch: String, timeout: Double) throws -> ChildResult {
        let result = try run(scratch: scratch, timeout: timeout)
        guard result.status == 0 else {
            throw BenchError.commandFailed(command: commandLine, status: result.status, output: result.stderr + result.stdout)
        }
        return result
    }
}

/// Distinct output file names for children run from several threads.
private enum ChildOutputCounter {
    nonisolated(unsafe) private static var value = 0
    private static let lock = NSLock()

    static func next() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}
