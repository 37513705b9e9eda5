import Foundation

/// The write end of the pipe through which the signal handler wakes the clean-up thread;
/// set once before the handler is installed. (`write` is one of the few calls a signal
/// handler may make.)
nonisolated(unsafe) private var interruptionPipe: Int32 = -1

/// Ctrl-C or SIGTERM (a CI timeout) during the drill: start no further command, stop the
/// scratch daemon, which lives in a session of its own and would outlive the drill, remove
/// the scratch folders unless they are to be kept, and exit 130.
///
/// A caught signal, unlike an ignored one, is reset to its default in every child at
/// `exec`, so the commands the drill runs still stop on SIGTERM as they should.
final class DrillInterruption {
    private let writeEnd: Int32
    private let gate: DrillChildGate

    init(scratch: DrillScratch, executable: String, environment: [String: String], gate: DrillChildGate, keepScratch: Bool) {
        self.gate = gate
        var ends: [Int32] = [-1, -1]
        // Made before any child starts, so marking the ends close-on-exec leaves no window.
        guard pipe(&ends) == 0 else {
            writeEnd = -1
            return
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let readEnd = ends[0]
        writeEnd = ends[1]
        interruptionPipe = ends[1]
        Thread {
            var byte: UInt8 = 0
            // Returns 0 when `cancel` closes the write end: the drill ended by itself.
            guard read(readEnd, &byte, 1) == 1 else { return }
            gate.interrupt()
            StandardError.write("spl drill: interrupted; stopping the scratch daemon")
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: executable)
            stop.arguments = ["serve", "--stop"]
            stop.environment = environment
            stop.standardInput = FileHandle.nullDevice
            stop.standardOutput = FileHandle.nullDevice
            stop.standardError = FileHandle.nullDevice
            if (try? stop.run()) != nil { stop.waitUntilExit() }
            if keepScratch {
                StandardError.write("Kept: \(scratch.root)")
            } else {
                try? scratch.remove()
            }
            exit(130)
        }.start()
        for number in [SIGINT, SIGTERM] {
            signal(number) { _ in
                var byte: UInt8 = 1
                _ = write(interruptionPipe, &byte, 1)
            }
        }
    }

    /// Back to the default handling once the drill has run. After an interruption the drill's
    /// own clean-up could not run commands: this waits for the clean-up thread, which exits.
    func cancel() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        if gate.isInterrupted { DispatchSemaphore(value: 0).wait() }
        if writeEnd >= 0 { close(writeEnd) }
    }
}
