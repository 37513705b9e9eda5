import SyncropelHome

/// Opens the object store a replica's URL names: `file:///path` gives a `FileObjectStore`,
/// `s3://bucket/prefix` an `S3ObjectStore` signed with the credentials of `environment`
/// (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`) or of the home's secrets file.
public enum ReplicaLocation {
    public static func objectStore(
        for replica: HomeConfig.Replica, environment: [String: String], home: HomeLayout
    ) throws(ReplicaLocationError) -> any ReplicaObjectStore {
        try objectStore(
            url: replica.url, endpoint: replica.endpoint, region: replica.region, pathStyle: replica.pathStyle ?? false,
            environment: environment, home: home)
    }

    /// A replica named by its URL alone: an S3 one is on AWS, in `us-east-1` unless the region says otherwise.
    public static func objectStore(
        url: String, endpoint: String? = nil, region: String? = nil, pathStyle: Bool = false,
        environment: [String: String], home: HomeLayout
    ) throws(ReplicaLocationError) -> any ReplicaObjectStore {
        if url.hasPrefix("file:///"), HomeConfig.Replica.isValidURL(url) {
            let path = String(url.dropFirst("file://".count))
            return FileObjectStore(root: path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path)
        }
        guard url.hasPrefix("s3://") else { throw .unsupported(url: url) }
        let configuration: S3ReplicaConfiguration
        do {
            configuration = try S3ReplicaConfiguration(url: url, endpoint: endpoint, region: region, pathStyle: pathStyle)
        } catch {
            throw .s3Configuration(error)
        }
        do {
            return S3ObjectStore(configuration: configuration, credentials: try S3Credentials.load(environment: environment, home: home))
        } catch {
            throw .s3Credentials(url: url, error)
        }
    }
}

public enum ReplicaLocationError: Error, Equatable, CustomStringConvertible {
    case unsupported(url: String)
    case s3Configuration(S3ConfigurationError)
    case s3Credentials(url: String, S3CredentialsError)

    public var description: String {
        switch self {
        case .unsupported(let url):
            "replica URL \(url) is neither file:///absolute/path nor s3://bucket/prefix"
        case .s3Configuration(let error):
            error.description
        case .s3Credentials(let url, let error):
            "replica \(url): \(error)"
        }
    }
}
