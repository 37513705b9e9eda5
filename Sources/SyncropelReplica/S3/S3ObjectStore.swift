import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// A replica in an S3 bucket (AWS or any S3-compatible server), over async-http-client with
/// requests signed by `AWSSignatureV4`.
///
/// A `put` is one PUT whose body is covered by `x-amz-content-sha256` (signed) and
/// `x-amz-checksum-sha256`, so S3 stores the whole object or refuses it (`BadDigest`,
/// `XAmzContentSHA256Mismatch`), never part of one. A `get` asks for the stored checksum and
/// compares it with the bytes received. Keys from a listing are checked as `ReplicaKey`s.
/// Every request has a timeout; every failure is an `S3ObjectStoreError`.
///
/// ```swift
/// let configuration = try S3ReplicaConfiguration(
///     url: "s3://backups/spl", endpoint: "http://127.0.0.1:9000", pathStyle: true)
/// let store = S3ObjectStore(configuration: configuration, credentials: try S3Credentials.load(environment: env, home: home))
/// try await store.put(key, bytes)
/// ```
public struct S3ObjectStore: ReplicaObjectStore {
    public let configuration: S3ReplicaConfiguration
    private let signer: AWSSignatureV4
    private let client: HTTPClient
    private let now: @Sendable () -> Date

    /// The largest object `put` writes and `get` accepts: what one NIO ByteBuffer holds (4 GiB),
    /// under S3's 5 GiB for a single PUT. A server sending more is refused rather than filling memory.
    public static let maximumObjectBytes = Int(UInt32.max)
    /// A listing page of 1 000 keys is about 300 KB; an error body a few hundred bytes.
    static let maximumListingPageBytes = 16 << 20
    static let maximumErrorBodyBytes = 64 << 10
    static let bodyGrace: Duration = .milliseconds(500)
    static let emptyPayloadSHA256 = AWSSignatureV4.sha256Hex([])

    /// - Parameter client: defaults to one client shared by every S3 replica of the process.
    /// - Parameter now: the signing clock; tests pass a fixed one.
    public init(
        configuration: S3ReplicaConfiguration, credentials: S3Credentials, client: HTTPClient = Self.sharedClient,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.signer = AWSSignatureV4(credentials: credentials, region: configuration.region)
        self.client = client
        self.now = now
    }

    /// No redirects (a redirect would carry the signed headers to another host, and S3 does
    /// not redirect a correctly addressed request), no transparent decompression (objects are
    /// compared byte for byte), 10 s to connect. Never shut down: it lives as long as the process.
    public static let sharedClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)), decompression: .disabled))

    public var location: String { configuration.location.description }

    public func put(_ key: ReplicaKey, _ bytes: [UInt8]) async throws {
        try await put(objectKey: configuration.location.objectKey(key.rawValue), bytes, name: requestName("PUT", key))
    }

    /// Writes under any S3 key; `put` is the way in for replication, tests use this one to
    /// play a stranger who writes under the replica's prefix.
    func put(objectKey: String, _ bytes: [UInt8], name: S3RequestName) async throws(S3ObjectStoreError) {
        guard bytes.count <= Self.maximumObjectBytes else {
            throw .objectTooLarge(name, bytes: bytes.count, limit: Self.maximumObjectBytes)
        }
        let digest = SHA256.hash(data: bytes)
        let answer = try await send(
            name, method: .PUT, objectKey: objectKey,
            headers: [
                .init("Content-Type", "application/octet-stream"),
                .init("x-amz-checksum-sha256", Data(digest).base64EncodedString()),
            ],
            body: bytes, payloadSHA256: AWSSignatureV4.hex(digest), answerLimit: Self.maximumErrorBodyBytes)
        guard (200..<300).contains(answer.status) else { throw Self.refusal(name, answer) }
    }

    public func get(_ key: ReplicaKey) async throws -> [UInt8]? {
        let name = requestName("GET", key)
        let answer = try await send(
            name, method: .GET, objectKey: configuration.location.objectKey(key.rawValue),
            headers: [.init("x-amz-checksum-mode", "ENABLED")], answerLimit: Self.maximumObjectBytes)
        if answer.status == 404, Self.errorCode(answer) == "NoSuchKey" { return nil }
        guard (200..<300).contains(answer.status) else { throw Self.refusal(name, answer) }
        // A multipart object's checksum ("…-3") covers its parts, not the bytes; ours are single PUTs.
        if let expected = answer.headers.first(name: "x-amz-checksum-sha256"), !expected.contains("-"),
            expected != Data(SHA256.hash(data: answer.body)).base64EncodedString()
        {
            throw S3ObjectStoreError.checksumMismatch(name)
        }
        return answer.body
    }

    public func list(prefix: String) async throws -> [ReplicaObjectInfo] {
        let name = S3RequestName(method: "GET", subject: prefix, isListing: true, location: location)
        let s3Prefix = configuration.location.objectKey(prefix)
        var objects: [ReplicaObjectInfo] = []
        var token: String?
        var tokensSeen: Set<String> = []
        var previousKey: String?
        while true {
            var query: [AWSSignatureV4.Field] = [.init("list-type", "2"), .init("prefix", s3Prefix)]
            if let token { query.append(.init("continuation-token", token)) }
            let answer = try await send(
                name, method: .GET, objectKey: nil, query: query, answerLimit: Self.maximumListingPageBytes)
            guard (200..<300).contains(answer.status) else { throw Self.refusal(name, answer) }
            let page: ListObjectsV2Page
            do {
                page = try ListObjectsV2Page.parse(answer.body)
            } catch {
                throw S3ObjectStoreError.badListing(name, error)
            }
            for object in page.objects {
                // S3 lists in UTF-8 byte order; a key that does not move forward means a server
                // that repeats itself, and a listing that might never end.
                if let previousKey, !previousKey.utf8.lexicographicallyPrecedes(object.key.utf8) {
                    throw S3ObjectStoreError.badListing(name, .outOfOrder(key: object.key))
                }
                previousKey = object.key
                guard let relative = configuration.location.replicaKeyText(ofObjectKey: object.key),
                    relative.hasPrefix(prefix)
                else { throw S3ObjectStoreError.keyOutsidePrefix(name, key: object.key) }
                do {
                    objects.append(ReplicaObjectInfo(key: try ReplicaKey(relative), size: object.size))
                } catch {
                    throw S3ObjectStoreError.badKeyInListing(name, key: object.key, underlying: error)
                }
            }
            guard page.isTruncated, let next = page.nextContinuationToken else { break }
            guard tokensSeen.insert(next).inserted else { throw S3ObjectStoreError.badListing(name, .repeatedToken) }
            token = next
        }
        return objects
    }

    public func delete(_ key: ReplicaKey) async throws {
        let name = requestName("DELETE", key)
        let answer = try await send(
            name, method: .DELETE, objectKey: configuration.location.objectKey(key.rawValue),
            answerLimit: Self.maximumErrorBodyBytes)
        // S3 answers 204 whether or not the object was there; some servers say 404 NoSuchKey.
        guard (200..<300).contains(answer.status) || (answer.status == 404 && Self.errorCode(answer) == "NoSuchKey")
        else { throw Self.refusal(name, answer) }
    }

    private func requestName(_ method: String, _ key: ReplicaKey) -> S3RequestName {
        S3RequestName(method: method, subject: key.rawValue, isListing: false, location: location)
    }

    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    /// Signs and sends one request and reads the whole answer, within the request timeout.
    ///
    /// A connection the server dropped before its answer was complete (an idle keep-alive
    /// connection it closed as the request went out, a reset under load, an answer cut off
    /// before its Content-Length) is tried again on a new one after a short pause, up to
    /// `attempts` in all, as AWS's SDKs do: every request here is idempotent, a PUT replaces the
    /// whole object. Any other failure, and a complete answer of any status, is final.
    private func send(
        _ name: S3RequestName, method: HTTPMethod, objectKey: String?, query: [AWSSignatureV4.Field] = [],
        headers: [AWSSignatureV4.Field] = [], body: [UInt8] = [],
        payloadSHA256: String = emptyPayloadSHA256, answerLimit: Int
    ) async throws(S3ObjectStoreError) -> Answer {
        var attempt = 1
        while true {
            do {
                return try await sendOnce(
                    name, method: method, objectKey: objectKey, query: query, headers: headers, body: body,
                    payloadSHA256: payloadSHA256, answerLimit: answerLimit)
            } catch {
                guard case .unreachable(_, _, let underlying) = error, attempt < Self.attempts,
                    Self.isDroppedConnection(underlying)
                else { throw error }
                // A server that drops connections under load is given a moment before the next.
                try? await Task.sleep(for: Self.retryPause * attempt)
                attempt += 1
            }
        }
    }

    static let attempts = 3
    static let retryPause: Duration = .milliseconds(100)

    static func isDroppedConnection(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        // The connection closed in the middle of the answer's head or body.
        if let error = error as? HTTPParserError { return error == .invalidEOFState }
        if let error = error as? IOError { return error.errnoCode == ECONNRESET || error.errnoCode == EPIPE }
        return false
    }

    private func sendOnce(
        _ name: S3RequestName, method: HTTPMethod, objectKey: String?, query: [AWSSignatureV4.Field],
        headers: [AWSSignatureV4.Field], body: [UInt8], payloadSHA256: String, answerLimit: Int
    ) async throws(S3ObjectStoreError) -> Answer {
        let request = signedRequest(method: method, objectKey: objectKey, query: query, headers: headers, body: body, payloadSHA256: payloadSHA256)
        let timeout = configuration.requestTimeout
        let endpoint = configuration.endpoint.description
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            return try await withThrowingTaskGroup(of: Answer?.self) { group in
                group.addTask {
                    let response = try await client.execute(request, deadline: deadline)
                    let collected = try await response.body.collect(upTo: answerLimit)
                    return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: collected))
                }
                // The deadline ends connecting and the wait for the head, with the connection's
                // own error when there is one; this timer, a moment later, ends a body that stalls.
                group.addTask {
                    try await Task.sleep(for: timeout + Self.bodyGrace)
                    return nil
                }
                defer { group.cancelAll() }
                guard case let .some(.some(answer)) = try await group.next() else {
                    throw S3ObjectStoreError.timedOut(name, endpoint: endpoint, limit: timeout)
                }
                return answer
            }
        } catch let error as S3ObjectStoreError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .answerTooLarge(name, limit: answerLimit)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw .timedOut(name, endpoint: endpoint, limit: timeout)
        } catch {
            throw .unreachable(name, endpoint: endpoint, underlying: error)
        }
    }

    /// The request as it is sent, signed; not private so tests can read its URL and headers.
    func signedRequest(
        method: HTTPMethod, objectKey: String?, query: [AWSSignatureV4.Field], headers: [AWSSignatureV4.Field],
        body: [UInt8], payloadSHA256: String
    ) -> HTTPClientRequest {
        let endpoint = configuration.endpoint
        let bucket = configuration.location.bucket
        // Path style: /bucket/key. Virtual-host style: bucket.host/key.
        let path = configuration.pathStyle ? "/\(bucket)" + (objectKey.map { "/" + $0 } ?? "") : "/" + (objectKey ?? "")
        let unsigned = AWSSignatureV4.Request(
            method: method.rawValue, scheme: endpoint.scheme,
            host: configuration.pathStyle ? endpoint.host : "\(bucket).\(endpoint.host)", port: endpoint.port,
            path: path, query: query, headers: headers, payloadSHA256: payloadSHA256)
        var request = HTTPClientRequest(url: "\(endpoint.scheme)://\(unsigned.hostHeader)\(unsigned.target)")
        request.method = method
        for field in signer.sign(unsigned, at: now()) {
            request.headers.add(name: field.name, value: field.value)
        }
        if !body.isEmpty {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    private static func refusal(_ name: S3RequestName, _ answer: Answer) -> S3ObjectStoreError {
        let error = try? S3XMLElement.parse(answer.body)
        let fields = error?.name == "Error" ? error : nil
        return .refused(
            name, status: answer.status, code: fields?.childText("Code").map { printable($0, limit: 64) },
            message: fields?.childText("Message").map { printable($0, limit: 300) })
    }

    private static func errorCode(_ answer: Answer) -> String? {
        guard let error = try? S3XMLElement.parse(answer.body), error.name == "Error" else { return nil }
        return error.childText("Code")
    }

    /// Server text made fit for one log line: printable ASCII only, at most `limit` characters.
    private static func printable(_ text: String, limit: Int) -> String {
        let kept = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
        let trimmed = String(kept).trimmingCharacters(in: .whitespaces)
        return trimmed.count <= limit ? trimmed : String(trimmed.prefix(limit)) + "…"
    }
}
