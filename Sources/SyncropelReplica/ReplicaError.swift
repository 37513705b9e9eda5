import SyncropelHome

/// Why a replica could not be read, verified, restored from or written; `description` is the
/// one-line operator message and names the replica object at fault.
public enum ReplicaError: Error, CustomStringConvertible {
    /// The replica holds no generation of this instance.
    case noGeneration(location: String, instanceFolder: String)
    /// The object is not there although the layout says it must be.
    case missingObject(location: String, key: ReplicaKey)
    /// The object is not gzip, too large, or not the JSON it must be.
    case unreadableObject(key: ReplicaKey, reason: String)
    /// A line of a segment does not hold a sound record (its id, fields or signature).
    case badRecord(key: ReplicaKey, line: Int, reason: String)
    /// The object belongs to another instance or generation than the folder it sits in.
    case foreignObject(key: ReplicaKey, field: String, expected: String, found: String)
    /// The object's key and its own header disagree on what it holds.
    case keyMismatch(key: ReplicaKey, reason: String)
    /// The snapshot's bytes do not hash to what generation.json recorded.
    case snapshotHashMismatch(key: ReplicaKey, expected: String, found: String)
    /// The snapshot does not hold a sound store of exactly the records generation.json says.
    case unsoundSnapshot(key: ReplicaKey, reason: String)
    /// Recomputing the segment's chain over its records does not give the chain its header carries.
    case alteredSegment(key: ReplicaKey, header: String, computed: String)
    /// The segment does not continue the chain where it claims to start.
    case brokenChain(key: ReplicaKey, sequence: Int64, expected: String, found: String)
    /// Records between the previous object and this one are in no segment.
    case missingRecords(key: ReplicaKey, from: Int64, through: Int64)
    /// The segment starts inside the records another segment already covers, and ends after it.
    case overlappingSegment(key: ReplicaKey, coveredThrough: Int64)
    /// A restore target older than every snapshot the replica keeps.
    case targetBeforeOldestSnapshot(location: String, target: String, snapshotSequence: Int64)
    /// A restore target the replica does not reach.
    case targetNotReached(location: String, target: String, reached: String)
    /// The shipped mark kept in the store does not parse (only a hand-edited store has one).
    case malformedMark(replica: String)
    /// The object is encrypted and SPL_BACKUP_PASSPHRASE is not set.
    case passphraseNeeded(key: ReplicaKey)
    /// The object is encrypted under another passphrase (its key check does not match).
    case wrongPassphrase(key: ReplicaKey)
    /// The encrypted object's AES-GCM tag does not match: its bytes, header or name changed.
    case tamperedObject(key: ReplicaKey)
    /// A replica with `encryption = "passphrase"` holds an object that is not encrypted.
    case notEncrypted(key: ReplicaKey)
    /// The replica holds no sealed keys for the instance.
    case noSealedKeys(location: String, key: ReplicaKey)
    /// The replica's sealed keys could not be opened (the error names the object).
    case sealedKeys(SealedKeysError)
    /// The object store failed (network, disk, permissions).
    case storage(location: String, operation: String, key: String, underlying: any Error)

    /// The storage failed, as opposed to holding something wrong.
    public var isStorageFailure: Bool {
        if case .storage = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .noGeneration(let location, let folder):
            "replica \(location) holds no generation of this instance (nothing under \(folder)/generations/)"
        case .missingObject(let location, let key):
            "replica \(location) has no object \(key)"
        case .unreadableObject(let key, let reason):
            "replica object \(key) is unreadable: \(reason)"
        case .badRecord(let key, let line, let reason):
            "replica object \(key) line \(line): \(reason)"
        case .foreignObject(let key, let field, let expected, let found):
            "replica object \(key) belongs elsewhere: its \(field) is \(found), expected \(expected)"
        case .keyMismatch(let key, let reason):
            "replica object \(key) does not hold what its name says: \(reason)"
        case .snapshotHashMismatch(let key, let expected, let found):
            "replica object \(key) was altered: its SHA-256 is \(found), generation.json recorded \(expected)"
        case .unsoundSnapshot(let key, let reason):
            "replica object \(key) is not a sound snapshot: \(reason)"
        case .alteredSegment(let key, let header, let computed):
            "replica object \(key) was altered: its records chain to \(computed), its header says \(header)"
        case .brokenChain(let key, let sequence, let expected, let found):
            "replica object \(key) does not continue the chain at sequence \(sequence): it starts from \(found), "
                + "the records before end at \(expected) (a replayed, reordered or foreign segment)"
        case .missingRecords(let key, let from, let through):
            "replica is missing sequences \(from)...\(through): no segment holds them before \(key) (a deleted segment)"
        case .overlappingSegment(let key, let covered):
            "replica object \(key) overlaps the records up to sequence \(covered) that other segments hold"
        case .targetBeforeOldestSnapshot(let location, let target, let sequence):
            "replica \(location) cannot restore to \(target): its oldest snapshot already holds sequences 1...\(sequence)"
        case .targetNotReached(let location, let target, let reached):
            "replica \(location) does not reach \(target): it holds records up to \(reached)"
        case .malformedMark(let replica):
            "the store's shipped mark for replica \(replica) is malformed; restart the daemon to start a new generation"
        case .passphraseNeeded(let key):
            "replica object \(key) is encrypted; set SPL_BACKUP_PASSPHRASE to the passphrase of the daemon that wrote it"
        case .wrongPassphrase(let key):
            "cannot decrypt replica object \(key): SPL_BACKUP_PASSPHRASE is not the passphrase it was encrypted with"
        case .tamperedObject(let key):
            "replica object \(key) was altered: its AES-GCM tag does not match its bytes, header and name"
        case .notEncrypted(let key):
            "replica object \(key) is not encrypted, but the replica has encryption = \"passphrase\"; it was written without "
                + "encryption or put there by someone else"
        case .noSealedKeys(let location, let key):
            "replica \(location) holds no sealed keys (\(key)): its daemon ships them only with SPL_BACKUP_PASSPHRASE set; "
                + "restore the keys from a keys.<stamp>.sealed backup with 'spl backup restore-keys FILE'"
        case .sealedKeys(let error):
            error.description
        case .storage(let location, let operation, let key, let underlying):
            "replica \(location): cannot \(operation) \(key): \(underlying)"
        }
    }
}
