/// Why an identity backup could not be sealed or restored (SPEC 8.4); `description` is the
/// one-line message an operator sees, naming the file and what to do.
public enum SealedKeysError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The passphrase is shorter than `SealedKeys.minimumPassphraseLength` characters.
    case passphraseTooShort(characters: Int)
    /// There is no file at the path given to restore from.
    case missing(path: String)
    /// The file is not a sealed keys file, or its sealed content is not a key pair.
    case notSealedKeys(path: String, reason: String)
    /// The file was written by a newer format than this spl reads.
    case unsupportedVersion(path: String, version: Int)
    /// AES-GCM authentication failed: the passphrase is not the one that sealed the file,
    /// or the file was changed after it was written.
    case wrongPassphrase(path: String)
    /// scrypt or AES-GCM failed while sealing (in practice: scrypt could not allocate its memory).
    case cryptographyFailed(reason: String)
    /// The key files to seal, or the keys restore would replace, could not be used.
    case keyFiles(KeyFileError)
    /// A file could not be read or written.
    case fileSystem(HomeError)

    public var description: String {
        switch self {
        case let .passphraseTooShort(characters):
            return "the backup passphrase has \(characters) characters, fewer than"
                + " \(SealedKeys.minimumPassphraseLength); set SPL_BACKUP_PASSPHRASE to a passphrase of at least"
                + " \(SealedKeys.minimumPassphraseLength) characters"
        case let .missing(path):
            return "no sealed keys file at \(path); pass a keys.<stamp>.sealed file from the instance's backup"
                + " folder ('spl backup list' shows which backups have one)"
        case let .notSealedKeys(path, reason):
            return "\(path) is not a sealed keys file (\(reason)); pass a keys.<stamp>.sealed file written by"
                + " spl backup"
        case let .unsupportedVersion(path, version):
            return "sealed keys file \(path) has format version \(version), but this spl reads version"
                + " \(SealedKeys.formatVersion); restore it with the spl that wrote it or a newer one"
        case let .wrongPassphrase(path):
            return "cannot open sealed keys file \(path): wrong passphrase, or the file was altered;"
                + " set SPL_BACKUP_PASSPHRASE to the passphrase the daemon had when it wrote this backup"
        case let .cryptographyFailed(reason):
            return "cannot seal or open the keys (\(reason)); free some memory and retry"
        case let .keyFiles(error):
            return error.description
        case let .fileSystem(error):
            return error.description
        }
    }
}
