import Crypto

/// The first line of a thread snapshot: what the file holds and how to check it is whole.
///
/// ```json
/// {"object":"snapshot_manifest","version":1,"threads":["th_a"],"records":3,
///  "ids_sha256":"…","created_at":1764250000000,"instance_did":"did:sync:instance:…"}
/// ```
public struct SnapshotManifest: Sendable, Equatable {
    /// The one format version this code writes and reads.
    public static let currentVersion: Int64 = 1

    public let version: Int64
    /// The threads the snapshot covers, in the order their records follow.
    public let threads: [String]
    /// How many record lines follow the manifest.
    public let records: Int
    /// `idsDigest` of the records' ids.
    public let idsSHA256: String
    /// When the snapshot was taken, Unix milliseconds.
    public let createdAt: Int64
    /// The instance the records were read from.
    public let instanceDID: String

    public init(version: Int64 = currentVersion, threads: [String], records: Int, idsSHA256: String, createdAt: Int64, instanceDID: String) {
        self.version = version
        self.threads = threads
        self.records = records
        self.idsSHA256 = idsSHA256
        self.createdAt = createdAt
        self.instanceDID = instanceDID
    }

    /// The manifest of `ids` read from `threads`.
    public init(threads: [String], ids: [String], createdAt: Int64, instanceDID: String) {
        self.init(threads: threads, records: ids.count, idsSHA256: Self.idsDigest(ids), createdAt: createdAt, instanceDID: instanceDID)
    }

    /// Lowercase hex SHA-256 of the ids sorted ascending and joined by `\n` (no final newline):
    /// independent of the order of the lines, so it checks that the set of records is whole.
    public static func idsDigest(_ ids: [String]) -> String {
        Hex.encode(SHA256.hash(data: Array(ids.sorted().joined(separator: "\n").utf8)))
    }

    public var jsonValue: JSONValue {
        .object(JSONObject([
            .init(key: "object", value: "snapshot_manifest"),
            .init(key: "version", value: .integer(JSONInteger(version))),
            .init(key: "threads", value: .array(threads.map(JSONValue.string))),
            .init(key: "records", value: .integer(JSONInteger(Int64(records)))),
            .init(key: "ids_sha256", value: .string(idsSHA256)),
            .init(key: "created_at", value: .integer(JSONInteger(createdAt))),
            .init(key: "instance_did", value: .string(instanceDID)),
        ]))
    }

    /// Reads a manifest line; fields this version does not know are ignored.
    public init(json: JSONValue) throws(SnapshotError) {
        guard case .object(let object) = json, object["object"] == "snapshot_manifest" else {
            throw .notAManifest
        }
        guard let version = object["version"]?.int64Value else { throw .manifestField("version", "an integer") }
        guard version == Self.currentVersion else { throw .unsupportedVersion(version) }
        guard let items = object["threads"]?.arrayValue else { throw .manifestField("threads", "an array of thread ids") }
        var threads: [String] = []
        for item in items {
            guard let thread = item.stringValue else { throw .manifestField("threads", "an array of thread ids") }
            threads.append(thread)
        }
        guard let records = object["records"]?.int64Value, records >= 0, let count = Int(exactly: records) else {
            throw .manifestField("records", "a count of records")
        }
        guard let digest = object["ids_sha256"]?.stringValue, RecordID.isValid(digest) else {
            throw .manifestField("ids_sha256", "64 lowercase hex characters")
        }
        guard let createdAt = object["created_at"]?.int64Value else { throw .manifestField("created_at", "Unix milliseconds") }
        guard let instanceDID = object["instance_did"]?.stringValue else { throw .manifestField("instance_did", "a DID") }
        self.init(version: version, threads: threads, records: count, idsSHA256: digest, createdAt: createdAt, instanceDID: instanceDID)
    }
}
