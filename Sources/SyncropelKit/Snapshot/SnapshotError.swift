/// Why a thread snapshot cannot be imported, naming the line (1 is the manifest) and record.
///
/// `description` is one line without the file name; the CLI adds the path and says that
/// nothing was imported.
public enum SnapshotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file has no lines at all.
    case empty
    /// A line is not JSON.
    case notJSON(line: Int, reason: String)
    /// Line 1 is not a `snapshot_manifest` object.
    case notAManifest
    /// A manifest field is missing or has the wrong type.
    case manifestField(String, String)
    /// The manifest names a format version this code does not read.
    case unsupportedVersion(Int64)
    /// A record line is not a record object with an `id`.
    case notARecord(line: Int, reason: String)
    /// A record line breaks a record rule (SPEC 3.1).
    case invalidRecord(line: Int, id: String, reason: String)
    /// The id recomputed from the line's envelope is not the id the line carries: edited content.
    case idMismatch(line: Int, id: String, recomputed: String)
    /// The line's `sig` does not verify for its `signer`.
    case badSignature(line: Int, id: String, reason: String)
    /// The line's thread is not one the manifest lists.
    case threadNotInManifest(line: Int, id: String, thread: String)
    /// The same record twice.
    case duplicateRecord(line: Int, id: String, firstLine: Int)
    /// Two records claim the same (thread, actor, clock); the store would refuse the second.
    case clockClash(line: Int, id: String, otherLine: Int)
    /// The store already holds another record with this record's (thread, actor, clock).
    case conflictsWithStore(line: Int, id: String, storedID: String)
    /// A record for a reserved thread that this instance's key did not sign: configuration
    /// (routing rules, settings) is taken from this instance only.
    case reservedThreadNotSigned(line: Int, id: String, thread: String, instance: String)
    /// A line longer than any record can be (`ThreadSnapshot.maxLineBytes`); reading stops there.
    case lineTooLong(line: Int, limit: Int)
    /// The number of record lines differs from the manifest's `records`.
    case countMismatch(manifest: Int, found: Int)
    /// The records' ids do not hash to the manifest's `ids_sha256`.
    case digestMismatch(manifest: String, computed: String)

    public var description: String {
        switch self {
        case .empty:
            return "the file is empty; a snapshot starts with a snapshot_manifest line"
        case let .notJSON(line, reason):
            return "line \(line) is not JSON: \(reason)"
        case .notAManifest:
            return "line 1 is not a snapshot_manifest object; is this a file written by 'spl thread snapshot'?"
        case let .manifestField(field, expected):
            return "line 1: the manifest's \(field) must be \(expected)"
        case let .unsupportedVersion(version):
            return "line 1: snapshot format version \(version) is not supported; this spl reads version \(SnapshotManifest.currentVersion)"
        case let .notARecord(line, reason):
            return "line \(line) is not a record object: \(reason)"
        case let .invalidRecord(line, id, reason):
            return "line \(line), record \(id): \(reason)"
        case let .idMismatch(line, id, recomputed):
            return "line \(line), record \(id): its content hashes to \(recomputed); the line was changed after export"
        case let .badSignature(line, id, reason):
            return "line \(line), record \(id): \(reason)"
        case let .threadNotInManifest(line, id, thread):
            return "line \(line), record \(id): thread \(thread) is not listed in the manifest"
        case let .duplicateRecord(line, id, firstLine):
            return "line \(line), record \(id): the same record is already on line \(firstLine)"
        case let .clockClash(line, id, otherLine):
            return "line \(line), record \(id): line \(otherLine) has another record with the same thread, actor and clock"
        case let .conflictsWithStore(line, id, storedID):
            return "line \(line), record \(id): the store already holds record \(storedID) with the same thread, actor and clock"
        case let .reservedThreadNotSigned(line, id, thread, instance):
            return "line \(line), record \(id): \(thread) is a reserved thread and the record is not signed by this instance (\(instance))"
        case let .lineTooLong(line, limit):
            return "line \(line) is longer than \(limit) bytes, more than any record takes; the file is not a snapshot spl wrote"
        case let .countMismatch(manifest, found):
            return "the manifest counts \(manifest) records but the file has \(found); the file is incomplete or was edited"
        case let .digestMismatch(manifest, computed):
            return "the record ids hash to \(computed), not to the manifest's ids_sha256 \(manifest); the file was edited"
        }
    }
}
