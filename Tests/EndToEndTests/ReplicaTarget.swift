import Foundation
import SyncropelTestSupport
import Testing

/// Where an end-to-end test's daemon ships its replica: a folder in the test's scratch, or a
/// prefix of its own on a moto_server. The same test runs over both.
struct ReplicaTarget: Sendable {
    enum Kind: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case file
        case s3

        var testDescription: String { rawValue }
    }

    let url: String
    /// `spl backup replica add` options beyond the sync interval (S3's endpoint and region).
    let addOptions: [String]
    /// What `spl serve` and `spl backup` need to reach it (S3 credentials).
    let environment: [String: String]

    /// A target of `kind` for `daemon`; S3 targets use the test process's shared moto_server.
    static func make(_ kind: Kind, for daemon: DaemonFixture) async throws -> ReplicaTarget {
        switch kind {
        case .file: return .file(in: daemon)
        case .s3: return .s3(on: try await MotoServer.shared())
        }
    }

    static func file(in daemon: DaemonFixture) -> ReplicaTarget {
        ReplicaTarget(url: "file://" + daemon.spl.scratch.appendingPathComponent("replica").path, addOptions: [], environment: [:])
    }

    /// A fresh prefix per call keeps tests sharing one server apart.
    static func s3(on moto: MotoServer) -> ReplicaTarget {
        ReplicaTarget(
            url: "s3://\(moto.bucket)/e2e-\(UUID().uuidString.prefix(8).lowercased())",
            addOptions: ["--endpoint", moto.endpoint, "--region", moto.region, "--path-style"],
            environment: moto.credentialEnvironment)
    }

    /// `spl backup replica add NAME URL --sync-interval … [extraOptions]`, required to succeed.
    func add(to daemon: DaemonFixture, name: String, syncInterval: String, extraOptions: [String] = []) async throws {
        let added = try await daemon.cli(["backup", "replica", "add", name, url, "--sync-interval", syncInterval] + addOptions + extraOptions)
        try #require(added.status == 0, "\(added.stdout)\(added.stderr)")
    }
}
