#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SyncropelHome

/// Why no S3 credentials could be had; `description` names the variable or file and the fix,
/// and never holds a key, a secret or a line of the file.
public enum S3CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set without the other.
    case halfInEnvironment(missing: String, file: String)
    /// Neither the environment nor the credentials file has a key.
    case missing(path: String)
    /// The credentials file can be opened by group or others.
    case tooOpen(path: String, mode: mode_t)
    /// The credentials file is not `name = value` lines with both names; `line` is 1-based.
    case malformed(path: String, line: Int?, reason: String)
    /// The credentials file could not be read.
    case unreadable(HomeError)

    public var description: String {
        switch self {
        case let .halfInEnvironment(missing, file):
            return "\(missing) is not set but the other AWS credential variable is; set both"
                + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the daemon's environment, or neither to use \(file)"
        case let .missing(path):
            return "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the daemon's environment,"
                + " or write \(path) (chmod 600) with the lines 'aws_access_key_id = …' and 'aws_secret_access_key = …'"
        case let .tooOpen(path, mode):
            return "S3 credentials file \(path) has mode \(FileMode.octal(mode)), open to group or others;"
                + " fix it with: chmod 600 \(path)"
        case let .malformed(path, line?, reason):
            return "S3 credentials file \(path) line \(line) is not valid: \(reason);"
                + " write 'name = value' lines for aws_access_key_id, aws_secret_access_key and optionally aws_session_token"
        case let .malformed(path, nil, reason):
            return "S3 credentials file \(path) is not valid: \(reason);"
                + " write 'name = value' lines for aws_access_key_id, aws_secret_access_key and optionally aws_session_token"
        case let .unreadable(error):
            return "S3 credentials: \(error)"
        }
    }
}
