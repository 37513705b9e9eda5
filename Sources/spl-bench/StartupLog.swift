import Foundation

/// What one daemon start wrote to its log, read from the lines SPEC 8.1's start-up
/// sequence logs: the store check, the startup backup and the derived-state fold.
struct StartupLog {
    let lines: [(timestamp: String, message: String)]
    let logPath: String

    /// "startup backup written: <N> records, <B> bytes in <M> ms": bytes and milliseconds.
    /// An `spl` whose line lacks "in <M> ms" is timed from the log timestamps of the store
    /// check and the backup line instead, and the note says so.
    func backupWritten() throws -> (bytes: Int64, milliseconds: Double, note: String?) {
        let prefix = "startup backup written: "
        guard let index = lines.firstIndex(where: { $0.message.hasPrefix(prefix) }) else {
            throw BenchError.logLineMissing(prefix: prefix, log: logPath)
        }
        let message = lines[index].message
        guard let bytes = Self.number(before: " bytes", in: message) else {
            throw BenchError.unexpectedOutput(command: logPath, detail: "no byte count in \"\(message)\"")
        }
        if let milliseconds = Self.number(before: " ms", in: message) {
            return (Int64(bytes), milliseconds, nil)
        }
        guard let checked = lines.first(where: { $0.message.hasPrefix("store checked: ") }),
            let from = Self.date(checked.timestamp), let to = Self.date(lines[index].timestamp)
        else {
            throw BenchError.unexpectedOutput(command: logPath, detail: "no duration in \"\(message)\"")
        }
        return (Int64(bytes), to.timeIntervalSince(from) * 1000, "backup ms from log timestamps (this spl logs no duration)")
    }

    /// The "in <ms> ms" of the line starting with `prefix`, nil when absent.
    func milliseconds(_ prefix: String) -> Double? {
        lines.first { $0.message.hasPrefix(prefix) }.flatMap { Self.number(before: " ms", in: $0.message) }
    }

    /// The number right before `suffix`'s last occurrence: "… 45056 bytes …" → 45056.
    private static func number(before suffix: String, in text: String) -> Double? {
        guard let range = text.range(of: suffix, options: .backwards) else { return nil }
        let digits = text[..<range.lowerBound].reversed().prefix { $0.isNumber || $0 == "." }
        return Double(String(digits.reversed()))
    }

    private static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
