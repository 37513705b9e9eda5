/// Where in S3 a replica lives, parsed from a replica URL `s3://bucket/prefix`.
///
/// The bucket follows S3's naming rules (3–63 of `a-z 0-9 . -`, starting and ending with a
/// letter or digit, no `..`). The prefix is optional and made of the same segments as a
/// `ReplicaKey` (`[A-Za-z0-9._-]`, no empty, `.` or `..` segment); one trailing `/` is dropped.
/// A URL with a user, password, port, query or fragment is refused, so a credential can never
/// ride in the URL into logs.
///
/// ```swift
/// let location = try S3Location(url: "s3://backups/spl/prod")  // bucket "backups", prefix "spl/prod"
/// ```
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public let bucket: String
    /// "" for the whole bucket; never starts or ends with `/`.
    public let prefix: String

    public init(url: String) throws(S3ConfigurationError) {
        let scheme = "s3://"
        guard url.hasPrefix(scheme) else { throw .notS3URL(url: url) }
        let rest = url.dropFirst(scheme.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        // Before anything quotes the URL: "s3://key:secret@bucket" must not reach a message.
        guard !authority.contains("@") else { throw .credentialsInURL }
        guard !url.contains("?"), !url.contains("#") else { throw .queryInURL(url: url) }
        guard !authority.contains(":") else { throw .portInURL(url: url) }
        try Self.checkBucket(String(authority), url: url)
        var prefix = slash == rest.endIndex ? "" : String(rest[rest.index(after: slash)...])
        if prefix.hasSuffix("/") { prefix.removeLast() }
        if !prefix.isEmpty {
            do {
                _ = try ReplicaKey(prefix)
            } catch {
                throw .badPrefix(url: url, prefix: prefix)
            }
        }
        self.bucket = String(authority)
        self.prefix = prefix
    }

    /// `s3://bucket/prefix`, or `s3://bucket` without a prefix.
    public var description: String {
        prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
    }

    /// The S3 object key of a replica key: under the prefix, one `/` between.
    func objectKey(_ key: String) -> String {
        prefix.isEmpty ? key : prefix + "/" + key
    }

    /// The replica key part of an S3 object key from a listing, or nil when it is not under the prefix.
    func replicaKeyText(ofObjectKey objectKey: String) -> String? {
        guard !prefix.isEmpty else { return objectKey }
        let head = prefix + "/"
        guard objectKey.hasPrefix(head) else { return nil }
        return String(objectKey.dropFirst(head.count))
    }

    private static func checkBucket(_ bucket: String, url: String) throws(S3ConfigurationError) {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count) else {
            throw .badBucket(url: url, bucket: bucket, rule: "a bucket name has 3 to 63 characters")
        }
        func isLetterOrDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard bytes.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
            throw .badBucket(url: url, bucket: bucket, rule: "a bucket name has only lower-case letters, digits, '.' and '-'")
        }
        guard isLetterOrDigit(bytes.first!), isLetterOrDigit(bytes.last!) else {
            throw .badBucket(url: url, bucket: bucket, rule: "a bucket name starts and ends with a letter or digit")
        }
        guard !bucket.contains("..") else {
            throw .badBucket(url: url, bucket: bucket, rule: "a bucket name has no '..'")
        }
    }
}
