import Foundation

/// Runs blocking work (a process wait, a synchronous sweep whose lanes run on other threads,
/// a condition wait) on a thread of its own and awaits its result.
///
/// Swift Testing runs every test, synchronous or not, on the cooperative pool, which has one
/// thread per core. A test that blocks one of them stalls every other test waiting for a turn:
/// in the full suite on a slow two-core machine, the crash tests' writers got under 200 answers
/// in 30 s because both pool threads were held by other tests' waits (issue 17). Tests wait
/// through this instead.
///
/// ```swift
/// let report = try await offThePool { try ContentAddressSweep.run(file: path) }
/// ```
public func offThePool<Value: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> Value
) async throws(Failure) -> Value {
    let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: Result { () throws(Failure) -> Value in try work() }) }.start()
    }
    return try result.get()
}

extension Process {
    /// Waits off the cooperative pool until the process has exited; its termination status.
    public func exitStatus() async -> Int32 {
        await offThePool { self.waitForExit() }
    }

    /// Blocks until the process has exited; its exit code, or the signal that ended it.
    ///
    /// Not `waitUntilExit()` alone: Foundation learns of an exit from SIGCHLD, which this
    /// test process can lose when many children exit at once (see `ScriptRun`). A full suite
    /// with the PostgreSQL tests beside it left four waits hung on children long gone. Here
    /// `waitpid` finds the exit itself; when Foundation reaped the child first (`ECHILD`), its
    /// own status is the answer.
    public func waitForExit() -> Int32 {
        let pid = processIdentifier
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
            }
            if reaped < 0, errno == ECHILD {
                waitUntilExit()
                return terminationStatus
            }
            usleep(2000)
        }
    }
}

/// Polls `condition` every 10 ms until it holds.
///
/// There is no deadline here on purpose: work that the test process itself runs (a fold
/// following commits, a checkpoint, a log follower) gets its turn when the machine gives it
/// one, so a fixed number of seconds fails a slow machine rather than a broken program. The
/// suite's `.timeLimit` bounds the wait instead.
public func waitUntil(_ condition: () async throws -> Bool) async throws {
    while try await !condition() {
        try await Task.sleep(for: .milliseconds(10))
    }
}
