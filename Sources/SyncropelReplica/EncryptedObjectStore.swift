import SyncropelHome
import Synchronization

/// A replica whose objects are encrypted under SPL_BACKUP_PASSPHRASE (`encryption =
/// "passphrase"`): every object is sealed in an `ObjectEnvelope` on its way to `base` and opened
/// on its way back, so the replicator, the chain and the readers see the same plaintext objects
/// as on a plain replica, and the storage sees none.
///
/// A writer derives one key (one salt) per store, that is per daemon run; a reader derives one
/// per salt it meets and keeps it, so scrypt runs a handful of times per restore, not per object.
public final class EncryptedObjectStore: ReplicaObjectStore {
    /// Whether an object that is not an envelope is refused.
    public enum Mode: Sendable {
        /// The replica is configured with `encryption = "passphrase"`: a plain object was not
        /// written by it (or was put there by someone else) and is refused.
        case required
        /// A replica named by URL, or configured without encryption: envelopes are opened, plain
        /// objects read as they are (a replica whose encryption was turned on or off midway).
        case whenPresent
    }

    public let base: any ReplicaObjectStore
    public let mode: Mode
    private let passphrase: String?
    private let writeSalt = PassphraseKey.randomSalt()
    private let writeParameters: PassphraseKey.Parameters
    private let keys = Mutex<[KeyID: ObjectEnvelope.Key]>([:])

    private struct KeyID: Hashable {
        let salt: [UInt8]
        let parameters: PassphraseKey.Parameters
    }

    /// `passphrase` is SPL_BACKUP_PASSPHRASE (nil when unset): without one nothing can be
    /// written, and an envelope read is refused naming it.
    public init(base: any ReplicaObjectStore, passphrase: String?, mode: Mode, writeParameters: PassphraseKey.Parameters = .standard) {
        self.base = base
        self.passphrase = passphrase
        self.mode = mode
        self.writeParameters = writeParameters
    }

    public var location: String { base.location }

    public func put(_ key: ReplicaKey, _ bytes: [UInt8]) async throws {
        guard let passphrase else { throw ReplicaError.passphraseNeeded(key: key) }
        let derived = try await self.key(KeyID(salt: writeSalt, parameters: writeParameters), passphrase: passphrase)
        try await base.put(key, try await BlockingWork.run { try ObjectEnvelope.seal(bytes, as: key, with: derived) })
    }

    public func get(_ key: ReplicaKey) async throws -> [UInt8]? {
        guard let bytes = try await base.get(key) else { return nil }
        guard let header = try ObjectEnvelope.header(of: bytes, key: key) else {
            if mode == .required { throw ReplicaError.notEncrypted(key: key) }
            return bytes
        }
        guard let passphrase else { throw ReplicaError.passphraseNeeded(key: key) }
        let derived = try await self.key(KeyID(salt: header.salt, parameters: header.parameters), passphrase: passphrase)
        return try await BlockingWork.run { try ObjectEnvelope.open(header, as: key, with: derived) }
    }

    public func list(prefix: String) async throws -> [ReplicaObjectInfo] {
        try await base.list(prefix: prefix)
    }

    public func delete(_ key: ReplicaKey) async throws {
        try await base.delete(key)
    }

    /// The key for `id`, derived once (off the cooperative pool: scrypt takes a fraction of a second).
    private func key(_ id: KeyID, passphrase: String) async throws -> ObjectEnvelope.Key {
        if let known = keys.withLock({ $0[id] }) { return known }
        let derived = try await BlockingWork.run { try ObjectEnvelope.Key(passphrase: passphrase, salt: id.salt, parameters: id.parameters) }
        keys.withLock { $0[id] = derived }
        return derived
    }
}
