import Foundation

/// run/spl.pid: the daemon's pid on one line. run/spl.lock holds the same format.
public enum PIDFile {
    /// Writes `pid` atomically, mode 0600.
    public static func write(_ pid: Int32, to path: String) throws(HomeError) {
        try PrivateFiles.writeAtomically(Array("\(pid)\n".utf8), to: path)
    }

    /// The pid in `path`; nil when the file is missing or empty (a lock holder writes
    /// its pid just after locking, so a reader may see the file empty).
    ///
    /// Throws `HomeError.malformedRunFile` when the file holds anything but a positive pid.
    public static func read(from path: String) throws(HomeError) -> Int32? {
        guard let file = try PrivateFiles.contents(of: path) else { return nil }
        let text = String(decoding: file.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        guard let pid = Int32(text), pid > 0 else {
            throw .malformedRunFile(path: path, reason: "expected a pid, found \(text.prefix(40).debugDescription)")
        }
        return pid
    }
}
