import Foundation
import Testing
@testable import SyncropelReplica

/// `S3ObjectStore` against a server that answers what S3 never would: every refusal is a
/// typed error naming the request, and nothing loops, fills memory or hangs.
struct S3ObjectStoreHostileServerTests {
    static let key = try! ReplicaKey("instance-a/g-1/x")

    static func store(_ server: FakeS3Server, timeout: Duration = .seconds(10)) throws -> S3ObjectStore {
        let configuration = try S3ReplicaConfiguration(
            url: "s3://bucket/p", endpoint: server.endpoint, pathStyle: true, requestTimeout: timeout)
        return S3ObjectStore(
            configuration: configuration,
            credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret-value", source: .environment))
    }

    static func page(_ keys: [String], next: String?) -> FakeS3Server.Answer {
        let contents = keys.map { "<Contents><Key>\($0)</Key><Size>1</Size></Contents>" }.joined()
        let tail = next.map { "<IsTruncated>true</IsTruncated><NextContinuationToken>\($0)</NextContinuationToken>" }
            ?? "<IsTruncated>false</IsTruncated>"
        return .init(body: Array("<ListBucketResult>\(contents)\(tail)</ListBucketResult>".utf8))
    }

    @Test func aListingThatRepeatsItsTokenIsRefused() async throws {
        let server = try FakeS3Server { line in
            line.contains("continuation-token=t1") ? Self.page(["p/b"], next: "t1") : Self.page(["p/a"], next: "t1")
        }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { try await Self.store(server).list(prefix: "") }
        #expect(error?.description == "S3 listing of s3://bucket/p got a listing that is not valid:"
            + " NextContinuationToken repeats an earlier one, so the listing would never end")
    }

    @Test func aListingThatGoesBackwardsIsRefused() async throws {
        let server = try FakeS3Server { line in
            line.contains("continuation-token=t1") ? Self.page(["p/a"], next: nil) : Self.page(["p/b"], next: "t1")
        }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { try await Self.store(server).list(prefix: "") }
        #expect(error?.description == "S3 listing of s3://bucket/p got a listing that is not valid:"
            + #" object "p/a" is not after the key before it"#)
    }

    @Test func aListedKeyOutsideThePrefixIsRefused() async throws {
        let server = try FakeS3Server { _ in Self.page(["elsewhere/x"], next: nil) }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { try await Self.store(server).list(prefix: "instance-a/") }
        #expect(error?.description
            == #"S3 listing of "instance-a/" at s3://bucket/p refused object "elsewhere/x", which is outside the replica's prefix"#)
    }

    @Test func anErrorBodyLargerThanAnyS3ErrorIsRefused() async throws {
        let server = try FakeS3Server { _ in .init(status: 500, body: Array(repeating: 65, count: 100_000)) }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { try await Self.store(server).put(Self.key, [1]) }
        #expect(error?.description == "S3 PUT of instance-a/g-1/x at s3://bucket/p got an answer of more than 65536 bytes and refused it")
    }

    @Test func anErrorWithoutAnXMLBodyStillGivesTheStatus() async throws {
        let server = try FakeS3Server { _ in .init(status: 503, body: Array("busy".utf8)) }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { try await Self.store(server).delete(Self.key) }
        #expect(error?.description == "S3 DELETE of instance-a/g-1/x at s3://bucket/p was refused: HTTP 503")
    }

    @Test func aDownloadThatDoesNotMatchItsChecksumIsRefused() async throws {
        // The checksum of "abd", sent with the bytes "abc".
        let server = try FakeS3Server { _ in
            .init(headers: ["x-amz-checksum-sha256": "pS0VnyYrLG3bckphhAvvw26zDIiHekAwtly+himESck="], body: Array("abc".utf8))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { _ = try await Self.store(server).get(Self.key) }
        #expect(error?.description == "S3 GET of instance-a/g-1/x at s3://bucket/p received bytes whose SHA-256 differs"
            + " from the object's checksum; the download was damaged")
    }

    @Test func aDownloadThatMatchesItsChecksumIsKept() async throws {
        let server = try FakeS3Server { _ in
            .init(headers: ["x-amz-checksum-sha256": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="], body: Array("abc".utf8))
        }
        defer { server.stop() }
        #expect(try await Self.store(server).get(Self.key) == Array("abc".utf8))
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try FakeS3Server { _ in nil }
        defer { server.stop() }
        let store = try Self.store(server, timeout: .milliseconds(300))
        let error = await #expect(throws: S3ObjectStoreError.self) { _ = try await store.get(Self.key) }
        #expect(error?.description == "S3 GET of instance-a/g-1/x at s3://bucket/p took more than 0.3 seconds at"
            + " \(server.endpoint) and was cancelled")
    }

    @Test func aBodyThatStallsTimesOut() async throws {
        let server = try FakeS3Server { _ in .init(body: Array("first bytes".utf8), stalls: true) }
        defer { server.stop() }
        let store = try Self.store(server, timeout: .milliseconds(300))
        let error = await #expect(throws: S3ObjectStoreError.self) { _ = try await store.get(Self.key) }
        #expect(error?.description == "S3 GET of instance-a/g-1/x at s3://bucket/p took more than 0.3 seconds at"
            + " \(server.endpoint) and was cancelled")
    }

    /// Counts requests across the server's connection threads.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
        var count: Int { lock.withLock { value } }
    }

    @Test func aDroppedConnectionIsTriedAgainOnANewOne() async throws {
        let requests = Counter()
        let server = try FakeS3Server { _ in requests.next() < 3 ? .init(hangsUp: true) : .init(status: 200) }
        defer { server.stop() }
        try await Self.store(server).put(Self.key, [1, 2, 3])
        #expect(requests.count == 3)
    }

    @Test func aServerThatKeepsDroppingConnectionsIsAnErrorAfterThreeAttempts() async throws {
        let requests = Counter()
        let server = try FakeS3Server { _ in
            _ = requests.next()
            return .init(hangsUp: true)
        }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { _ = try await Self.store(server).get(Self.key) }
        #expect(error?.description == "S3 GET of instance-a/g-1/x at s3://bucket/p could not reach \(server.endpoint):"
            + " HTTPClientError.remoteConnectionClosed")
        #expect(requests.count == 3)
    }

    @Test func anAnswerCutOffBeforeItsEndIsAskedForAgain() async throws {
        let requests = Counter()
        let server = try FakeS3Server { _ in
            requests.next() == 1 ? .init(body: Array("abc".utf8), cutsShort: true) : .init(body: Array("whole".utf8))
        }
        defer { server.stop() }
        #expect(try await Self.store(server).get(Self.key) == Array("whole".utf8))
        #expect(requests.count == 2)
    }

    @Test func aServerThatKeepsCuttingAnswersOffIsAnErrorAfterThreeAttempts() async throws {
        let requests = Counter()
        let server = try FakeS3Server { _ in
            _ = requests.next()
            return .init(body: Array("abc".utf8), cutsShort: true)
        }
        defer { server.stop() }
        let error = await #expect(throws: S3ObjectStoreError.self) { _ = try await Self.store(server).get(Self.key) }
        #expect(error?.description == "S3 GET of instance-a/g-1/x at s3://bucket/p could not reach \(server.endpoint):"
            + " stream ended at an unexpected time")
        #expect(requests.count == 3)
    }

    @Test func aServerThatIsNotThereIsUnreachable() async throws {
        let server = try FakeS3Server { _ in nil }
        server.stop()
        // Refused connections end the request long before the deadline; a loaded machine may
        // take a while to get to them, so the deadline is not what is tested.
        let store = try Self.store(server, timeout: .seconds(30))
        let error = await #expect(throws: S3ObjectStoreError.self) { try await store.delete(Self.key) }
        let message = try #require(error?.description)
        #expect(message.hasPrefix("S3 DELETE of instance-a/g-1/x at s3://bucket/p could not reach \(server.endpoint): "))
        #expect(!message.contains("secret-value"))
    }
}
