import Foundation

/// The drill's own folders, under one scratch root in the temporary folder: the instance
/// home, the `HOME` whose default backup root the daemon writes to, the "off-host" copy,
/// and the output of every command the drill ran.
///
/// Nothing the drill does can reach the caller's home or backup root: the children get
/// this `HOME` and `SYNCROPEL_HOME`, and every other `SYNCROPEL_*` / `SPL_*` variable
/// (`SPL_BACKUP_ROOT` among them) is dropped from their environment.
struct DrillScratch {
    let root: String
    var home: String { root + "/home" }
    var userHome: String { root + "/user" }
    var offsite: String { root + "/offsite" }
    var commandOutput: String { root + "/commands" }
    /// The backup root SPEC 1 derives from `HOME`: the path the seed drill hard-codes.
    var backupRoot: String { userHome + "/.local/share/syncropel/backups" }
    var store: String { home + "/hub.db" }

    /// Makes a fresh scratch root (mode 0700) and its folders; the home itself is left for
    /// `spl serve` to create, as the seed's `mkdir -p "$DRILL_HOME"` leaves it empty.
    static func make() throws -> DrillScratch {
        var template = Array((FileManager.default.temporaryDirectory.path + "/spl-drill-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw OperatorError("cannot make a scratch folder in \(FileManager.default.temporaryDirectory.path): \(String(cString: strerror(errno)))")
        }
        let scratch = DrillScratch(root: String(cString: made))
        for folder in [scratch.home, scratch.userHome, scratch.offsite, scratch.commandOutput] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        return scratch
    }

    /// The children's environment: the caller's, minus every instance or backup override, plus the scratch paths.
    func environment(from caller: [String: String]) -> [String: String] {
        var environment = caller.filter { !$0.key.hasPrefix("SYNCROPEL_") && !$0.key.hasPrefix("SPL_") }
        environment["HOME"] = userHome
        environment["SYNCROPEL_HOME"] = home
        return environment
    }

    func remove() throws {
        try FileManager.default.removeItem(atPath: root)
    }
}
