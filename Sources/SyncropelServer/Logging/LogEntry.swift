import SyncropelKit

/// The four fixed fields of one spl.log line, read back for a terminal.
struct LogEntry: Equatable {
    var timestamp: String
    var level: String
    var target: String
    var message: String

    /// nil when `line` is not a JSON object with string `ts`, `level`, `target` and `message`.
    init?(line: some Collection<UInt8>) {
        guard let object = (try? JSONParser.parse(line))?.objectValue,
            let timestamp = object["ts"]?.stringValue,
            let level = object["level"]?.stringValue,
            let target = object["target"]?.stringValue,
            let message = object["message"]?.stringValue
        else { return nil }
        self.timestamp = timestamp
        self.level = level
        self.target = target
        self.message = message
    }

    /// `<ts> <LEVEL> <target>: <message>`
    var terminalLine: String {
        "\(timestamp) \(level) \(target): \(message)"
    }
}
