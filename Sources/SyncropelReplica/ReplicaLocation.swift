import SyncropelHome

/// Opens the object store a replica's URL names: `file:///path` gives a `FileObjectStore`,
/// `s3://bucket/prefix` an `S3ObjectStore` signed with the credentials of `environment`
/// (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`) or of the home's secrets file. A replica
/// with `encryption = "passphrase"` is wrapped in an `EncryptedObjectStore` that refuses plain objects.
public enum ReplicaLocation {
    public static func objectStore(
        for replica: HomeConfig.Replica, environment: [String: String], home: HomeLayout
    ) throws(ReplicaLocationError) -> any ReplicaObjectStore {
        let passphrase: String?
        do {
            passphrase = try encryptionPassphrase(for: replica, environment: environment)
        } catch {
            throw .encryption(error)
        }
        let objects = try objectStore(
            url: replica.url, endpoint: replica.endpoint, region: replica.region, pathStyle: replica.pathStyle ?? false,
            environment: environment, home: home)
        guard let passphrase else { return objects }
        return EncryptedObjectStore(base: objects, passphrase: passphrase, mode: .required)
    }

    /// SPL_BACKUP_PASSPHRASE for a replica with `encryption = "passphrase"`, nil for one without;
    /// refused when unset or too short, so the daemon does not start on a replica it cannot write.
    public static func encryptionPassphrase(
        for replica: HomeConfig.Replica, environment: [String: String]
    ) throws(ReplicaEncryptionError) -> String? {
        guard replica.encryption == .passphrase else { return nil }
        guard let passphrase = environment["SPL_BACKUP_PASSPHRASE"], !passphrase.isEmpty else {
            throw .passphraseMissing(replica: replica.name)
        }
        guard passphrase.count >= PassphraseKey.minimumPassphraseLength else {
            throw .passphraseTooShort(replica: replica.name, characters: passphrase.count)
        }
        return passphrase
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
    case encryption(ReplicaEncryptionError)

    public var description: String {
        switch self {
        case .unsupported(let url):
            "replica URL \(url) is neither file:///absolute/path nor s3://bucket/prefix"
        case .s3Configuration(let error):
            error.description
        case .s3Credentials(let url, let error):
            "replica \(url): \(error)"
        case .encryption(let error):
            error.description
        }
    }
}

/// Why a replica with `encryption = "passphrase"` cannot be written: the daemon refuses to start.
public enum ReplicaEncryptionError: Error, Equatable, CustomStringConvertible {
    /// SPL_BACKUP_PASSPHRASE is not set.
    case passphraseMissing(replica: String)
    /// SPL_BACKUP_PASSPHRASE is too short to derive a key from.
    case passphraseTooShort(replica: String, characters: Int)

    public var description: String {
        switch self {
        case .passphraseMissing(let replica):
            "replica \(replica) has encryption = \"passphrase\" but SPL_BACKUP_PASSPHRASE is not set; set it to a "
                + "passphrase of at least \(PassphraseKey.minimumPassphraseLength) characters"
        case .passphraseTooShort(let replica, let characters):
            "replica \(replica) has encryption = \"passphrase\" but SPL_BACKUP_PASSPHRASE has \(characters) characters, fewer than "
                + "\(PassphraseKey.minimumPassphraseLength); set it to a longer passphrase"
        }
    }
}
