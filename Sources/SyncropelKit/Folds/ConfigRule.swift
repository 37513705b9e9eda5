/// A live (not tombstoned) engine rule of any kind, as `spl config list-rules --all` shows it.
public struct ConfigRule: Sendable, Equatable {
    public let kind: String
    public let name: String
    public let body: JSONObject
    /// The LEARN that declared the rule's current form.
    public let recordID: RecordID
}
