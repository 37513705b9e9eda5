#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the instance key files could not be used; `description` names the path and the fix.
public enum KeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The home has no private key.
    case missing(path: String)
    /// The private key file is not one line of base64 holding 32 bytes.
    case malformed(path: String, reason: String)
    /// The private key file can be opened by group or others.
    case tooOpen(path: String, mode: mode_t)
    /// The keys folder can be opened by group or others.
    case directoryTooOpen(path: String, mode: mode_t)
    /// Creating keys would replace the existing identity.
    case alreadyExists(path: String)

    public var description: String {
        switch self {
        case let .missing(path):
            return "no private key at \(path);"
                + " restore keys/ from your key backup, or create a new identity with 'spl init'"
        case let .malformed(path, reason):
            return "private key file \(path) is not valid (\(reason)); it must hold one line, the base64 of the"
                + " 32-byte Ed25519 private key: restore it from your key backup"
        case let .tooOpen(path, mode):
            return "private key file \(path) has mode \(FileMode.octal(mode)), open to group or others;"
                + " fix it with: chmod 600 \(path)"
        case let .directoryTooOpen(path, mode):
            return "keys folder \(path) has mode \(FileMode.octal(mode)), open to group or others;"
                + " fix it with: chmod 700 \(path)"
        case let .alreadyExists(path):
            return "a private key already exists at \(path); refusing to replace the instance identity"
                + " (use --force to replace it: the old identity is lost unless it is backed up)"
        }
    }
}
