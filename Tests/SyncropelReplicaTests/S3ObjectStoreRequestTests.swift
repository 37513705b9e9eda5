import Foundation
import Testing
@testable import SyncropelReplica

/// Where requests go and what they carry, without sending them.
struct S3ObjectStoreRequestTests {
    static let credentials = S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret-value", source: .environment)

    static func store(_ url: String, endpoint: String? = nil, region: String? = nil, pathStyle: Bool) throws -> S3ObjectStore {
        let configuration = try S3ReplicaConfiguration(url: url, endpoint: endpoint, region: region, pathStyle: pathStyle)
        return S3ObjectStore(
            configuration: configuration, credentials: credentials, now: { Date(timeIntervalSince1970: 1_764_892_800) })
    }

    @Test func virtualHostStylePutsTheBucketInTheHostName() throws {
        let store = try Self.store("s3://backups/spl", region: "eu-west-1", pathStyle: false)
        let request = store.signedRequest(
            method: .GET, objectKey: "spl/instance-a/x", query: [], headers: [], body: [],
            payloadSHA256: S3ObjectStore.emptyPayloadSHA256)
        #expect(request.url == "https://backups.s3.eu-west-1.amazonaws.com/spl/instance-a/x")
        #expect(request.headers["Host"] == ["backups.s3.eu-west-1.amazonaws.com"])
        #expect(request.headers["X-Amz-Date"] == ["20251205T000000Z"])
        let authorization = try #require(request.headers["Authorization"].first)
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251205/eu-west-1/s3/aws4_request, "))
    }

    @Test func pathStyleListingsGoToTheBucketPath() throws {
        let store = try Self.store("s3://backups", endpoint: "http://127.0.0.1:9000", pathStyle: true)
        let request = store.signedRequest(
            method: .GET, objectKey: nil, query: [.init("list-type", "2"), .init("prefix", "instance-a/")], headers: [],
            body: [], payloadSHA256: S3ObjectStore.emptyPayloadSHA256)
        #expect(request.url == "http://127.0.0.1:9000/backups?list-type=2&prefix=instance-a%2F")
        #expect(request.headers["Host"] == ["127.0.0.1:9000"])
    }

    @Test func aPutCarriesItsChecksumAndSignsIt() throws {
        let store = try Self.store("s3://backups", endpoint: "http://127.0.0.1:9000", pathStyle: true)
        let request = store.signedRequest(
            method: .PUT, objectKey: "instance-a/x", query: [],
            headers: [.init("x-amz-checksum-sha256", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")],
            body: Array("abc".utf8), payloadSHA256: AWSSignatureV4.sha256Hex(Array("abc".utf8)))
        #expect(request.headers["x-amz-content-sha256"] == ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"])
        let authorization = try #require(request.headers["Authorization"].first)
        #expect(authorization.contains("SignedHeaders=host;x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date,"))
    }

    /// Not triggered here (it takes 4 GiB of memory); the message is what an operator reads.
    @Test func anObjectTooLargeForOnePutSaysSo() {
        let name = S3RequestName(method: "PUT", subject: "instance-a/snapshot.gz", isListing: false, location: "s3://b/p")
        #expect(S3ObjectStoreError.objectTooLarge(name, bytes: 5_000_000_000, limit: S3ObjectStore.maximumObjectBytes).description
            == "S3 PUT of instance-a/snapshot.gz at s3://b/p was not sent: the object has 5000000000 bytes,"
            + " more than the 4294967295 one request carries")
    }
}
