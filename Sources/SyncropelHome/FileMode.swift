#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Permission bits as SPEC 10 wants them: folders 0700, files 0600, nothing for group or others.
public enum FileMode {
    public static let privateDirectory: mode_t = 0o700
    public static let privateFile: mode_t = 0o600

    /// The permission bits of `path` (symlinks not followed), or nil when it does not exist.
    public static func of(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// True when group or others have any access, which SPEC 10 forbids for keys and secrets.
    public static func isOpenToOthers(_ mode: mode_t) -> Bool {
        mode & 0o077 != 0
    }

    /// `0644`-style text, as `chmod` takes it.
    public static func octal(_ mode: mode_t) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
