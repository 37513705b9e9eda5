import Foundation
import SyncropelHome

/// Reads logs/spl.log back for a terminal: the launcher's failure report and `spl serve --logs`.
public enum LogFileReader {
    /// The last `limit` ERROR lines of the log at `path` as `<ts> ERROR <target>: <message>`;
    /// none when the file is missing or unreadable (the caller is already reporting a failure).
    ///
    /// Only lines written from byte `offset` on count, so a failed start reports its own errors
    /// and not those of earlier starts; a log shorter than `offset` was rotated meanwhile and is
    /// read whole.
    public static func lastErrorLines(in path: String, from offset: UInt64 = 0, limit: Int) -> [String] {
        guard limit > 0, let contents = FileManager.default.contents(atPath: path) else { return [] }
        let start = offset <= UInt64(contents.count) ? Int(offset) : 0
        let errors = contents[(contents.startIndex + start)...].split(separator: UInt8(ascii: "\n"))
            .compactMap { LogEntry(line: $0) }
            .filter { $0.level == "ERROR" }
        return errors.suffix(limit).map(\.terminalLine)
    }

    /// Writes the last `lastLines` lines of the log at `path` as `<ts> <LEVEL> <target>: <message>`,
    /// then each new line as it arrives, until the task is cancelled.
    ///
    /// Polls every `pollInterval`. A rotated or truncated log is followed into the new file;
    /// a log that does not exist yet is waited for. A line that is not a log entry is written as it is.
    public static func follow(
        path: String,
        lastLines: Int,
        pollInterval: Duration = .milliseconds(200),
        write: (String) -> Void
    ) async throws(HomeError) {
        let tail = LogTail(path: path)
        for line in try tail.newLines().suffix(max(0, lastLines)) {
            write(terminalLine(line))
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            for line in try tail.newLines() {
                write(terminalLine(line))
            }
        }
    }

    private static func terminalLine(_ line: [UInt8]) -> String {
        LogEntry(line: line)?.terminalLine ?? String(decoding: line, as: UTF8.self)
    }
}
