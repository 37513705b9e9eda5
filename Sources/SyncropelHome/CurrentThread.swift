import SyncropelKit

/// The thread this home's last `spl intend` wrote on, kept in `<home>/current-thread` (0600).
///
/// `spl do|know|learn` without `--thread` write there, as the public tutorials' first steps
/// expect. The file is one line, the thread id; it is read as hostile input (an operator or
/// another program may have written it), so anything but one valid thread id is refused.
///
/// ```swift
/// try CurrentThread.write("th_3f…", home: home)
/// let thread = try CurrentThread.read(home)   // "th_3f…", or nil before the first intend
/// ```
public enum CurrentThread {
    /// The longest file read: a thread id is at most 256 bytes, plus a newline.
    static let maxFileBytes = RecordRules.maxThreadBytes + 1

    /// The current thread, or nil when this home has none yet.
    public static func read(_ home: HomeLayout) throws(CurrentThreadError) -> String? {
        let path = home.currentThreadFile
        let stored: [UInt8]?
        do {
            stored = try PrivateFiles.contents(of: path)?.bytes
        } catch {
            throw .unreadable(path: path, underlying: error)
        }
        guard let bytes = stored else { return nil }
        var line = bytes[...]
        if line.last == UInt8(ascii: "\n") { line = line.dropLast() }
        guard bytes.count <= maxFileBytes, let thread = String(validating: line, as: UTF8.self) else {
            throw .malformed(path: path, reason: "it is not one line of at most \(RecordRules.maxThreadBytes) bytes of UTF-8")
        }
        do {
            try RecordRules.checkThread(thread)
        } catch {
            throw .malformed(path: path, reason: error.message)
        }
        return thread
    }

    /// Makes `thread` the current thread (written whole or not at all, mode 0600).
    public static func write(_ thread: String, home: HomeLayout) throws(HomeError) {
        try PrivateFiles.makeDirectory(home.root)
        try PrivateFiles.writeAtomically(Array((thread + "\n").utf8), to: home.currentThreadFile)
    }
}

/// Why the current thread could not be read.
public enum CurrentThreadError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, underlying: HomeError)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(_, underlying):
            return "the current thread cannot be read: \(underlying)"
        case let .malformed(path, reason):
            return "\(path) does not hold a thread id (\(reason)); run 'spl intend' to open a thread, or pass --thread"
        }
    }
}
