/// Everything an `S3ObjectStore` needs but the credentials: the `[[replica]]` fields `url`,
/// `endpoint`, `region` and `path_style`, checked, and the time one request may take.
public struct S3ReplicaConfiguration: Sendable, Equatable {
    public static let defaultRegion = "us-east-1"
    public static let defaultRequestTimeout: Duration = .seconds(60)

    public let location: S3Location
    public let endpoint: S3Endpoint
    public let region: String
    /// `https://endpoint/bucket/key` when true; `https://bucket.endpoint/key` (virtual-host
    /// style, what AWS prefers) when false.
    public let pathStyle: Bool
    /// The most one request may take, connection, upload and download included.
    public let requestTimeout: Duration

    /// - Parameters:
    ///   - url: `s3://bucket/prefix`.
    ///   - endpoint: the server's base URL; AWS's endpoint for `region` when nil.
    ///   - region: signed into every request; `us-east-1` when nil.
    public init(
        url: String, endpoint: String? = nil, region: String? = nil, pathStyle: Bool = false,
        requestTimeout: Duration = defaultRequestTimeout
    ) throws(S3ConfigurationError) {
        let region = region ?? Self.defaultRegion
        guard !region.isEmpty, region.utf8.count <= 64,
            region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else { throw .badRegion(region: region) }
        let endpoint = try endpoint.map { (text) throws(S3ConfigurationError) in try S3Endpoint(url: text) }
            ?? .aws(region: region)
        guard pathStyle || !endpoint.isIPAddress else { throw .virtualHostOnIPAddress(endpoint: endpoint.description) }
        guard requestTimeout > .zero else { throw .badTimeout }
        self.location = try S3Location(url: url)
        self.endpoint = endpoint
        self.region = region
        self.pathStyle = pathStyle
        self.requestTimeout = requestTimeout
    }
}
