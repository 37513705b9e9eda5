import GRDB

extension DatabaseError {
    /// SQLite's message and primary result code, the way operator messages quote them:
    /// `file is not a database (SQLite error 26)`.
    var operatorMessage: String {
        "\(message ?? "unknown error") (SQLite error \(resultCode.rawValue))"
    }
}
