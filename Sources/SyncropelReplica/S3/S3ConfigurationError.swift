/// Why an S3 replica's `url`, `endpoint` or `region` cannot be used; `description` quotes
/// the value and the rule it breaks, never a credential.
public enum S3ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case notS3URL(url: String)
    /// `s3://user:secret@bucket/…`: not quoted, since the user part may be a key.
    case credentialsInURL
    case queryInURL(url: String)
    case portInURL(url: String)
    case badBucket(url: String, bucket: String, rule: String)
    case badPrefix(url: String, prefix: String)
    case badEndpoint(url: String, rule: String)
    /// `http://user:secret@host`: not quoted either.
    case credentialsInEndpoint
    case badRegion(region: String)
    case virtualHostOnIPAddress(endpoint: String)
    case badTimeout

    public var description: String {
        switch self {
        case let .notS3URL(url):
            "replica URL \(url.debugDescription) is not an S3 URL; write s3://bucket/prefix"
        case .credentialsInURL:
            "replica URL holds a user or password; write s3://bucket/prefix and put the key in"
                + " AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or secrets/aws-credentials"
        case let .queryInURL(url):
            "replica URL \(url.debugDescription) has a query or fragment; write s3://bucket/prefix"
        case let .portInURL(url):
            "replica URL \(url.debugDescription) has a port; write s3://bucket/prefix and give the server as endpoint"
        case let .badBucket(url, bucket, rule):
            "replica URL \(url.debugDescription) names bucket \(bucket.debugDescription): \(rule)"
        case let .badPrefix(url, prefix):
            "replica URL \(url.debugDescription) has prefix \(prefix.debugDescription): a prefix is folder names"
                + " of [A-Za-z0-9._-] joined by '/', none empty, '.' or '..'"
        case let .badEndpoint(url, rule):
            "S3 endpoint \(url.debugDescription) is not valid: \(rule)"
        case .credentialsInEndpoint:
            "S3 endpoint holds a user or password; give only scheme, host and port"
        case let .badRegion(region):
            "S3 region \(region.debugDescription) is not valid: a region is lower-case letters, digits and '-'"
        case let .virtualHostOnIPAddress(endpoint):
            "S3 endpoint \(endpoint) is an IP address, which cannot carry the bucket as a host name; set path_style = true"
        case .badTimeout:
            "S3 request timeout must be more than zero"
        }
    }
}
