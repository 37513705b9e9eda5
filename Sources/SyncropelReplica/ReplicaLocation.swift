import SyncropelHome

/// Opens the object store a replica's URL names.
public enum ReplicaLocation {
    /// `file:///path` gives a `FileObjectStore`; `s3://…` is refused until the S3 store is wired in.
    public static func objectStore(for replica: HomeConfig.Replica) throws(ReplicaLocationError) -> any ReplicaObjectStore {
        try objectStore(url: replica.url)
    }

    public static func objectStore(url: String) throws(ReplicaLocationError) -> any ReplicaObjectStore {
        if url.hasPrefix("file:///"), HomeConfig.Replica.isValidURL(url) {
            let path = String(url.dropFirst("file://".count))
            return FileObjectStore(root: path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path)
        }
        if url.hasPrefix("s3://") { throw .s3NotYetAvailable(url: url) }
        throw .unsupported(url: url)
    }
}

public enum ReplicaLocationError: Error, Equatable, CustomStringConvertible {
    case unsupported(url: String)
    case s3NotYetAvailable(url: String)

    public var description: String {
        switch self {
        case .unsupported(let url):
            "replica URL \(url) is neither file:///absolute/path nor s3://bucket/prefix"
        case .s3NotYetAvailable(let url):
            "replica \(url): S3 replicas are not available in this build yet; use a file:/// replica"
        }
    }
}
