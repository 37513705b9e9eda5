/// Why config.toml could not be used; `description` names the file and the fix.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not TOML; `message`, `line` and `column` come from the TOML parser.
    case malformed(path: String, message: String, line: Int?, column: Int?)
    /// `key` (dotted, e.g. `server.port`) holds a value of the wrong type or range.
    case invalidValue(path: String, key: String, expected: String)

    public var description: String {
        switch self {
        case let .malformed(path, message, line, column):
            let position = line.map { line in " at line \(line)" + (column.map { ", column \($0)" } ?? "") } ?? ""
            return "config file \(path) is not valid TOML\(position): \(message);"
                + " fix it, or move it aside to use the defaults"
        case let .invalidValue(path, key, expected):
            return "config file \(path): \(key) must be \(expected); fix it, or remove the key to use the default"
        }
    }
}
