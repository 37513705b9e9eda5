import SyncropelHome
import SyncropelKit

/// The instance's identity as a replica holds it (`instance-<tail>/keys.sealed`), so a new
/// machine brings back the keys from the replica alone, with the passphrase of
/// `spl backup restore-keys`.
public enum ReplicaSealedKeys {
    /// The key pair sealed in the reader's instance folder, opened with `passphrase` and checked
    /// to be that instance's.
    public static func open(reader: ReplicaReader, passphrase: String?) async throws(ReplicaError) -> SigningIdentity {
        let key = reader.layout.sealedKeysKey
        let bytes: [UInt8]
        do {
            bytes = try await reader.require(key)
        } catch .missingObject {
            throw .noSealedKeys(location: reader.objects.location, key: key)
        }
        guard let passphrase, !passphrase.isEmpty else { throw .passphraseNeeded(key: key) }
        let identity: SigningIdentity
        do {
            identity = try SealedKeys.open(bytes, source: "replica \(reader.objects.location) object \(key)", passphrase: passphrase)
        } catch {
            throw .sealedKeys(error)
        }
        guard identity.didKey.instanceTail == reader.layout.instanceTail else {
            throw .foreignObject(
                key: key, field: "key pair", expected: "instance-\(reader.layout.instanceTail)", found: identity.didKey.description)
        }
        return identity
    }
}
