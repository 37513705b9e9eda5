import SyncropelTestSupport

@testable import SyncropelReplica

extension MotoServer {
    /// The credentials the server made; `secret` replaces the secret to play a wrong key.
    func credentials(secret: String? = nil) -> S3Credentials {
        S3Credentials(accessKeyID: accessKeyID, secretAccessKey: secret ?? secretAccessKey, source: .environment)
    }

    /// A store on this server's bucket under `prefix` (a fresh one per test keeps tests apart).
    func store(prefix: String, secret: String? = nil, timeout: Duration = .seconds(30)) throws -> S3ObjectStore {
        let configuration = try S3ReplicaConfiguration(
            url: "s3://\(bucket)/\(prefix)", endpoint: endpoint, region: region, pathStyle: true, requestTimeout: timeout)
        return S3ObjectStore(configuration: configuration, credentials: credentials(secret: secret))
    }
}
