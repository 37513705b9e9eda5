import Foundation

/// A bash script run to its end on a thread of its own, so no cooperative thread blocks;
/// timeout(1) bounds it.
///
/// Spawned with posix_spawn and reaped with waitpid rather than Foundation's Process: Process
/// learns of an exit from SIGCHLD, which this test process's main thread can take and drop,
/// leaving the exit unseen; and the script starts with no signal blocked, so the server it
/// leaves behind stops on SIGTERM.
struct ScriptRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static func run(_ arguments: [String], in folder: URL, timeoutSeconds: Int) async throws -> ScriptRun {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(arguments, in: folder, timeoutSeconds: timeoutSeconds) })
            }.start()
        }
    }

    /// Output goes to files, read after the exit: the server the script leaves running keeps
    /// nothing of ours open.
    private static func runBlocking(_ arguments: [String], in folder: URL, timeoutSeconds: Int) throws -> ScriptRun {
        let stdoutFile = folder.appendingPathComponent("script.stdout").path
        let stderrFile = folder.appendingPathComponent("script.stderr").path
        let command = ["/usr/bin/timeout", "--kill-after=10", String(timeoutSeconds), "/bin/bash"] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw TestServerError(message: "cannot start \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TestServerError(message: "waitpid: \(String(cString: strerror(errno)))") }
        }
        // The exit code when the script exited, 128 + the signal when it was killed.
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ScriptRun(
            status: exitCode, stdout: try String(contentsOfFile: stdoutFile, encoding: .utf8),
            stderr: try String(contentsOfFile: stderrFile, encoding: .utf8))
    }
}
