import SyncropelKit

/// What a finished backup answers, the one JSON object of `POST /v1/admin/backup` and of
/// `spl backup now -o json` with or without a daemon:
/// `{"object":"backup","path","bytes","records","highest_sequence","sealed_keys":<path|null>,"warning"?}`.
///
/// ```swift
/// let answer = BackupAnswer(backup: result, sealedKeys: nil, warning: nil).jsonValue
/// ```
public struct BackupAnswer: Sendable, Equatable {
    public let backup: StoreBackupResult
    /// The `keys.<stamp>.sealed` written beside a timestamped backup; nil when none was.
    public let sealedKeys: String?
    /// Why the copy was written but something beside it was not (the keys could not be sealed).
    public let warning: String?

    public init(backup: StoreBackupResult, sealedKeys: String?, warning: String?) {
        self.backup = backup
        self.sealedKeys = sealedKeys
        self.warning = warning
    }

    public var jsonValue: JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "object", value: "backup"), .init(key: "path", value: .string(backup.path)),
            .init(key: "bytes", value: .integer(JSONInteger(backup.bytes))),
            .init(key: "records", value: .integer(JSONInteger(backup.recordCount))),
            .init(key: "highest_sequence", value: .integer(JSONInteger(backup.highestSequence))),
            .init(key: "sealed_keys", value: sealedKeys.map(JSONValue.string) ?? .null),
        ]
        if let warning { members.append(.init(key: "warning", value: .string(warning))) }
        return .object(JSONObject(members))
    }
}
