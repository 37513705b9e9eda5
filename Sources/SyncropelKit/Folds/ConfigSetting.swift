/// The latest LEARN of a config topic such as `auth_required`; what it sets is in its body.
public struct ConfigSetting: Sendable, Equatable {
    public let topic: String
    public let body: JSONObject
    public let recordID: RecordID
}
