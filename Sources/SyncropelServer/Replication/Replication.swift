import Foundation
import Logging
import Synchronization
import SyncropelHome
import SyncropelKit
import SyncropelReplica
import SyncropelStore

/// The daemon's replicators, one per `[[replica]]` of config.toml (read at start): started once
/// the instance is ready, stopped before the store closes.
///
/// A replica whose URL cannot be opened is reported as failing with the reason, and the daemon
/// serves on: replication never stops ingest.
public final class Replication: Sendable {
    /// A configured replica that could not be started.
    struct Refused: Sendable {
        let name: String
        let url: String
        let reason: String
    }

    private let replicators: [Replicator]
    private let refused: [Refused]
    /// What a write waits on, when a replica has `ack = "after_replica"` (config allows one, on a
    /// file:// replica, which starts unless its passphrase is missing, and then the daemon does not).
    let acknowledgement: ReplicaAcknowledgement?

    /// `environment` and `home` give an S3 replica its credentials, and with SPL_BACKUP_PASSPHRASE
    /// the keys every replica ships sealed (and the key of an encrypted one).
    init(
        replicas: [HomeConfig.Replica], environment: [String: String], home: HomeLayout, store: any RecordStore, did: DIDKey,
        logger: Logger
    ) {
        var replicators: [Replicator] = []
        var refused: [Refused] = []
        var acknowledgement: ReplicaAcknowledgement?
        let sealKeys = Self.keySealer(environment: environment, home: home)
        if sealKeys == nil, !replicas.isEmpty {
            logger.info("replicas ship no sealed keys: SPL_BACKUP_PASSPHRASE is not set to \(SealedKeys.minimumPassphraseLength) or more characters")
        }
        for replica in replicas {
            do {
                let objects = try ReplicaLocation.objectStore(for: replica, environment: environment, home: home)
                let replicator = Replicator(
                    settings: .init(replica), objects: objects, store: store, did: did, logger: logger,
                    scratchFolder: home.root, sealKeys: sealKeys)
                replicators.append(replicator)
                if replica.ack == .afterReplica {
                    acknowledgement = ReplicaAcknowledgement(replica: replica, waiters: replicator.shippedWaiters)
                }
            } catch {
                logger.error("replica \(replica.name) not started: \(error)", metadata: ["replica": "\(replica.url)"])
                refused.append(Refused(name: replica.name, url: replica.url, reason: error.description))
            }
        }
        self.replicators = replicators
        self.refused = refused
        self.acknowledgement = acknowledgement
    }

    /// Seals the home's keys under SPL_BACKUP_PASSPHRASE, or nil when it is unset or too short
    /// (timestamped backups say so in their own words).
    private static func keySealer(environment: [String: String], home: HomeLayout) -> (@Sendable () throws -> [UInt8])? {
        guard let passphrase = environment["SPL_BACKUP_PASSPHRASE"], passphrase.count >= SealedKeys.minimumPassphraseLength else {
            return nil
        }
        let once = SealedOnce { try SealedKeys.sealed(home: home, passphrase: passphrase) }
        return { try once.value() }
    }

    func start() async {
        for replicator in replicators { await replicator.start() }
    }

    /// Stops every loop; each working replica ships what is left first.
    func stop() async {
        for replicator in replicators { await replicator.stop() }
    }

    /// Every configured replica, in config order of the started ones, then the refused ones.
    public func statuses() async -> [ReplicationStatus] {
        var statuses: [ReplicationStatus] = []
        for replicator in replicators { statuses.append(await replicator.status()) }
        for replica in refused {
            statuses.append(ReplicationStatus(
                name: replica.name, location: replica.url, state: .failing, generation: nil, shippedSequence: nil,
                lagRecords: 0, lagSeconds: 0, lastShippedAt: nil, lastError: replica.reason))
        }
        return statuses
    }
}

extension ReplicationStatus {
    /// One entry of `/health.replication`.
    var jsonValue: JSONValue {
        .object(JSONObject([
            "name": .string(name), "location": .string(location), "state": .string(state.rawValue),
            "generation": generation.map(JSONValue.string) ?? .null,
            "shipped_sequence": shippedSequence.map(JSONValue.int) ?? .null,
            "lag_records": .int(lagRecords), "lag_secs": .double((lagSeconds * 1000).rounded() / 1000),
            "last_shipped_at": lastShippedAt.map { .string($0.formatted(.iso8601)) } ?? .null,
            "last_error": lastError.map(JSONValue.string) ?? .null,
            "bytes_written": .int(writes.bytes), "objects_written": .int(writes.objectsWritten),
            "objects_deleted": .int(writes.objectsDeleted),
        ]))
    }
}

/// The sealed keys file, made on first use and shared by every replica: scrypt runs once per
/// daemon start, not once per replica.
private final class SealedOnce: Sendable {
    private let seal: @Sendable () throws -> [UInt8]
    private let sealed = Mutex<[UInt8]?>(nil)

    init(_ seal: @escaping @Sendable () throws -> [UInt8]) {
        self.seal = seal
    }

    func value() throws -> [UInt8] {
        try sealed.withLock { cached in
            if let cached { return cached }
            let bytes = try seal()
            cached = bytes
            return bytes
        }
    }
}
