// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "spl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "spl", targets: ["spl"]),
        .executable(name: "spl-bench", targets: ["spl-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // Already a dependency of Hummingbird; named for NIOCore's ByteBuffer and SocketAddress.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already a dependency of Hummingbird and async-http-client; named for the CLI's TLS trust roots (SPL_CA_FILE).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.2"),
        // gzip for replica snapshots and segments (system zlib), so a replica reads with zcat.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // The PostgreSQL client of PostgresRecordStore ([store] url = "postgresql://…", issue 14).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure protocol: JSON, canonical form, records, identities, folds. No I/O.
        .target(
            name: "SyncropelKit",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The home folder on disk: layout, config.toml, key files, lock, backup root.
        .target(
            name: "SyncropelHome",
            dependencies: [
                "SyncropelKit", "TOMLKit",
                // scrypt and AES-GCM for sealed identity backups (SPEC 8.4).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The record store interface and its SQLite and PostgreSQL implementations.
        .target(
            name: "SyncropelStore",
            dependencies: [
                "SyncropelKit", .product(name: "GRDB", package: "GRDB.swift"),
                // PostgresRecordStore's client; swift-log only to silence its internal logger.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Continuous replication: the replica object format, file and S3 object stores,
        // restore from a replica. Knows the store, never HTTP routes.
        .target(
            name: "SyncropelReplica",
            dependencies: [
                "SyncropelKit", "SyncropelHome", "SyncropelStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                // HTTPMethod and HTTPHeaders of the S3 requests async-http-client sends.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // posix_spawn extensions (setsid, closefrom, chdir) that Swift's Glibc module does not export.
        .target(name: "CSpawn"),
        // The daemon: start-up sequence, HTTP routes, derived state, logs, process control.
        .target(
            name: "SyncropelServer",
            dependencies: [
                "SyncropelKit", "SyncropelHome", "SyncropelStore", "SyncropelReplica", "CSpawn",
                .product(name: "Hummingbird", package: "hummingbird"),
                // HTTPS on the TCP listener with [server] tls_cert and tls_key.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                // HTTPServerBuilder, to wrap the HTTP/1 server in TLS.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "spl",
            dependencies: [
                "SyncropelKit", "SyncropelHome", "SyncropelStore", "SyncropelReplica", "SyncropelServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            plugins: ["GitCommitPlugin"]
        ),
        // SPEC 12's benchmark: scratch instances of the spl built beside it, each measure
        // beside a same-run baseline. Depending on `spl` makes `swift run spl-bench` build it too.
        .executableTarget(
            name: "spl-bench",
            dependencies: [
                "spl", "SyncropelKit", "SyncropelStore", "SyncropelProbes",
                // The replicator itself, run on a simulated clock for objects per hour.
                "SyncropelReplica",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // Raw PostgreSQL inserts (the baseline of the PostgreSQL ingest rows) and scratch databases.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // swift-crypto's Ed25519 in a tight loop: the baseline of verify's signature row.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Attacks on a running daemon, measured from outside: the end-to-end tests check their
        // outcome, spl-bench their cost to a valid client. No HTTP client of their own.
        .target(name: "SyncropelProbes"),
        .plugin(name: "GitCommitPlugin", capability: .buildTool()),
        // What the test targets share: helpers that keep blocking waits off the cooperative pool.
        .target(name: "SyncropelTestSupport", path: "Tests/Support"),
        .testTarget(name: "SyncropelKitTests", dependencies: ["SyncropelKit", .product(name: "Crypto", package: "swift-crypto")], resources: [.copy("Resources")]),
        .testTarget(name: "SyncropelHomeTests", dependencies: ["SyncropelHome", "SyncropelTestSupport"]),
        .testTarget(
            name: "SyncropelStoreTests",
            dependencies: [
                "SyncropelStore", "SyncropelTestSupport",
                // PostgresQuery, to damage rows of a PostgreSQL store through its own SQL.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(name: "SyncropelReplicaTests", dependencies: ["SyncropelReplica", "SyncropelHome", "SyncropelTestSupport"]),
        .testTarget(
            name: "SyncropelServerTests",
            dependencies: [
                "SyncropelServer", "SyncropelTestSupport",
                // Routes answered in process (`app.test(.router)`), no daemon.
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["SyncropelTestSupport", "SyncropelProbes"]),
    ],
    swiftLanguageModes: [.v6]
)
