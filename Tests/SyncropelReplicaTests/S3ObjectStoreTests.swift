import Foundation
import SyncropelTestSupport
import Testing
@testable import SyncropelReplica

/// `S3ObjectStore` against a real S3 server that checks every signature (moto_server, started
/// for this suite by Tests/s3/moto.sh). Each test works under a prefix of its own.
@Suite(.motoServer)
struct S3ObjectStoreTests {
    static func server() async throws -> MotoServer {
        try await MotoServer.shared()
    }

    static func freshPrefix() -> String { "test-\(UUID().uuidString.lowercased())" }

    static let key = try! ReplicaKey("instance-0123456789abcdef01234567/g-000001/segments/0000000001-0000000100.seg.gz")

    @Test func putThenGetGivesBackEveryByte() async throws {
        let store = try await Self.server().store(prefix: Self.freshPrefix())
        // Every byte value, and more than one network buffer's worth.
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        try await store.put(Self.key, bytes)
        #expect(try await store.get(Self.key) == bytes)
        // A put replaces the object whole.
        try await store.put(Self.key, [0, 255, 0])
        #expect(try await store.get(Self.key) == [0, 255, 0])
        try await store.put(Self.key, [])
        #expect(try await store.get(Self.key) == [])
    }

    @Test func aMissingObjectIsNil() async throws {
        let store = try await Self.server().store(prefix: Self.freshPrefix())
        #expect(try await store.get(Self.key) == nil)
    }

    @Test func deleteRemovesAndToleratesAMissingObject() async throws {
        let store = try await Self.server().store(prefix: Self.freshPrefix())
        try await store.put(Self.key, [1, 2, 3])
        try await store.delete(Self.key)
        #expect(try await store.get(Self.key) == nil)
        #expect(try await store.list(prefix: "").isEmpty)
        try await store.delete(Self.key)
    }

    /// 1 005 objects: S3 answers at most 1 000 keys a page, so this follows a continuation token.
    @Test func listFollowsContinuationTokensPastAThousandObjects() async throws {
        let store = try await Self.server().store(prefix: Self.freshPrefix())
        let keys = try (0..<1005).map { try ReplicaKey("instance-a/g-1/seg-\(String(format: "%05d", $0))") }
        // Four at a time: moto_server on two cores is no faster with more (4 s against 6 s at sixteen).
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, key) in keys.enumerated() {
                if index >= 4 { try await group.next() }
                group.addTask { try await store.put(key, Array(repeating: 7, count: index % 10)) }
            }
            try await group.waitForAll()
        }
        let listed = try await store.list(prefix: "instance-a/")
        #expect(listed.count == 1005)
        #expect(listed == keys.enumerated().map { ReplicaObjectInfo(key: $1, size: $0 % 10) })
    }

    @Test func listKeepsToItsPrefixAndToTheReplicasOwn() async throws {
        let server = try await Self.server()
        let prefix = Self.freshPrefix()
        let store = try server.store(prefix: prefix + "/one")
        let neighbour = try server.store(prefix: prefix + "/one-more")
        let a = try ReplicaKey("instance-a/g-1/x")
        let b = try ReplicaKey("instance-b/g-1/x")
        try await store.put(a, [1])
        try await store.put(b, [2, 2])
        try await neighbour.put(a, [3])
        #expect(try await store.list(prefix: "instance-a/") == [ReplicaObjectInfo(key: a, size: 1)])
        #expect(try await store.list(prefix: "") == [ReplicaObjectInfo(key: a, size: 1), ReplicaObjectInfo(key: b, size: 2)])
        #expect(try await neighbour.list(prefix: "") == [ReplicaObjectInfo(key: a, size: 1)])
        #expect(try await store.list(prefix: "instance-c/").isEmpty)
    }

    /// Someone else wrote under the replica's prefix: the listing is refused and names the object.
    @Test func aListedKeyThatIsNotAReplicaKeyIsRefused() async throws {
        let server = try await Self.server()
        let prefix = Self.freshPrefix()
        let store = try server.store(prefix: prefix)
        try await store.put(Self.key, [1])
        let stranger = S3RequestName(method: "PUT", subject: "stranger", isListing: false, location: store.location)
        try await store.put(objectKey: "\(prefix)/instance-a/notes from ops.txt", [1], name: stranger)
        let error = await #expect(throws: S3ObjectStoreError.self) { try await store.list(prefix: "") }
        #expect(error?.description == "S3 listing of s3://\(server.bucket)/\(prefix) refused object"
            + " \"\(prefix)/instance-a/notes from ops.txt\": replica object key \"instance-a/notes from ops.txt\""
            + " has a character outside [A-Za-z0-9._-/]; only spl writes under a replica's prefix:"
            + " remove the object or give the replica a prefix of its own")
    }

    /// A wrong secret: the server says SignatureDoesNotMatch, and the message carries that,
    /// the request and the replica, never the secret or the signature.
    @Test func aWrongSecretIsRefusedWithoutRevealingIt() async throws {
        let server = try await Self.server()
        let prefix = Self.freshPrefix()
        let wrongSecret = String(server.secretAccessKey.reversed())
        let store = try server.store(prefix: prefix, secret: wrongSecret)
        let error = await #expect(throws: S3ObjectStoreError.self) { try await store.put(Self.key, [1, 2, 3]) }
        let message = try #require(error?.description)
        #expect(message == "S3 PUT of \(Self.key) at s3://\(server.bucket)/\(prefix) was refused: HTTP 403"
            + " SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided."
            + " Check your key and signing method.")
        for secret in [wrongSecret, server.secretAccessKey] {
            #expect(!message.contains(secret))
        }
        #expect(!message.contains("Signature="))
        #expect(!message.contains("AWS4-HMAC-SHA256"))
        #expect(message.firstMatch(of: /[0-9a-f]{64}/) == nil, "a signature-shaped hex string is in \(message)")
        guard case .refused(_, 403, "SignatureDoesNotMatch", _)? = error else {
            Issue.record("expected a 403 SignatureDoesNotMatch refusal, got \(String(describing: error))")
            return
        }
    }

    @Test func aBucketThatDoesNotExistIsAnErrorNotAMissingObject() async throws {
        let server = try await Self.server()
        let configuration = try S3ReplicaConfiguration(
            url: "s3://no-such-bucket-here/p", endpoint: server.endpoint, region: server.region, pathStyle: true)
        let store = S3ObjectStore(configuration: configuration, credentials: server.credentials())
        let error = await #expect(throws: S3ObjectStoreError.self) { _ = try await store.get(Self.key) }
        #expect(error?.description == "S3 GET of \(Self.key) at s3://no-such-bucket-here/p was refused: HTTP 404"
            + " NoSuchBucket: The specified bucket does not exist")
    }
}
