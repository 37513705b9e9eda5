import Foundation

/// A daemon's peak resident memory (VmHWM) over one measure.
///
/// Writing `5` to /proc/<pid>/clear_refs resets the peak, so each measure reports its own;
/// when the kernel refuses, the reading is the process's lifetime peak and says so.
struct PeakMemory {
    let pid: Int32
    /// False when the reset was refused: the reading then covers the daemon's whole life.
    let wasReset: Bool

    /// Resets the peak of `pid` and starts a reading.
    static func begin(_ pid: Int32) -> PeakMemory {
        let reset = (try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)) != nil
        return PeakMemory(pid: pid, wasReset: reset)
    }

    /// VmHWM in MB (2^20 bytes), or nil when the process is gone.
    func megabytes() -> Double? {
        Self.highWaterMark(pid)
    }

    /// The note the row carries when the reading is not this measure's own.
    var note: String? {
        wasReset ? nil : "peak memory since daemon start (clear_refs refused)"
    }

    static func highWaterMark(_ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes / 1024
    }
}
