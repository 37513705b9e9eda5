import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// `spl backup restore FILE [--force] [--yes]` (SPEC 8.2).
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace this home's store with a backup (the daemon must be stopped).",
        discussion: """
            Verifies FILE first, then prints how many records the store holds now and after, and \
            how many would be lost, before changing anything. hub.db (and its -wal, -shm) moves to \
            hub.db.replaced.<epoch>; FILE is copied in as hub.db (0600). Start the instance again \
            with 'spl serve --daemon'. Without a terminal to confirm on, pass --yes. With -o json \
            (which needs --yes: a JSON run does not ask) one object is printed at the end: \
            {"object":"restore","backup","store","failed_verification":<reason|null>,"records_before",\
            "records_after","lost_records","replaced_files":[…],"bytes"}.
            """
    )

    @Argument(help: "The backup file to restore.")
    var file: String

    @OptionGroup var force: BackupForceOption

    @Flag(help: "Do not ask for confirmation (required without a terminal, and with -o json).")
    var yes = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        if output.json && !yes { throw UsageError.jsonNeedsYes }
        let home = try CommandEnvironment.home()
        let backup = file.absolutePath
        // Held to the end: a daemon cannot start on the store while it is being replaced.
        let lock = try HomeLock.acquireWithoutDaemon(home) { owner in
            "\(owner) is running for \(home.root); stop it with 'spl stop' before restoring"
        }
        defer { lock.release() }

        guard FileManager.default.fileExists(atPath: backup) else {
            throw OperatorError("\(backup) does not exist; list the backups with 'spl backup list'")
        }
        // Said before the verification, which takes minutes on a large file, not after it.
        guard yes || isatty(STDIN_FILENO) == 1 else { throw RestoreRefusal.noTerminal }
        let verification =
            output.json
            ? BackupVerifyCommand.check(backup, full: false, progress: nil)
            : BackupVerifyCommand.verify(backup, full: false, showProgress: true)
        if let reason = verification.failure {
            guard force.force else {
                throw OperatorError("\(backup) failed verification (\(reason)); pass --force to restore it anyway")
            }
            if !output.json { print("Restoring anyway (--force).") }
        }

        let store = home.storeFile
        let plan = StoreRestore.plan(backup: backup, store: store)
        if output.json {
            let result: RestoreResult
            do {
                result = try StoreRestore.install(backup: backup, store: store, at: Date()) { _ in }
            } catch {
                throw OperatorError(error.description)
            }
            let count = { (value: Int64?) in value.map { JSONValue.integer(JSONInteger($0)) } ?? .null }
            print(JSONValue.object(JSONObject([
                "object": "restore", "backup": .string(backup), "store": .string(store),
                "failed_verification": verification.failure.map(JSONValue.string) ?? .null,
                "records_before": count(plan.current.recordCount), "records_after": count(plan.backup.recordCount),
                "lost_records": count(plan.lostRecords), "replaced_files": .array(result.replacedFiles.map(JSONValue.string)),
                "bytes": .integer(JSONInteger(result.bytes)),
            ])).serialized())
            return
        }
        print("Records:    \(Self.describe(plan.current, store)) now → \(Self.describe(plan.backup, backup)) after restore")
        switch plan.lostRecords {
        case let lost? where lost > 0:
            print("Loses:      \(lost) records that are in \(store) but not in \(backup)")
        case nil:
            print("Loses:      unknown (the current store cannot be read)")
        default:
            print("Loses:      nothing")
        }
        try confirm(store: store)

        let result: RestoreResult
        var info = stat()
        let progress = ProgressReport("restore", unit: .bytes, total: stat(backup, &info) == 0 ? Int64(info.st_size) : nil)
        do {
            result = try StoreRestore.install(backup: backup, store: store, at: Date()) { progress.update(done: $0) }
        } catch {
            throw OperatorError(error.description)
        }
        progress.finish()
        for moved in result.replacedFiles {
            print("Moved:      \(moved)")
        }
        print("Restored:   \(backup) → \(store), \(ByteCount.text(result.bytes))")
        print("Start the instance with 'spl serve --daemon'.")
    }

    /// Asks on the terminal unless `--yes` (`run` has already refused a restore without either).
    private func confirm(store: String) throws {
        guard !yes else { return }
        print("Replace \(store) with \(file.absolutePath)? [y/N] ", terminator: "")
        fflush(nil)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else {
            throw OperatorError("restore cancelled; nothing was changed")
        }
    }

    /// `120`, `0 (no store)` or `unreadable (<reason>)`.
    private static func describe(_ contents: StoreFileContents, _ path: String) -> String {
        switch contents {
        case .missing: "0 (no \(path))"
        case .records(let count): "\(count)"
        case .unreadable(let reason): "unreadable (\(reason))"
        }
    }
}

/// Why a restore did not start.
enum RestoreRefusal: Error, CustomStringConvertible {
    /// Neither `--yes` nor a terminal to ask on.
    case noTerminal

    var description: String {
        switch self {
        case .noTerminal: "no terminal to confirm the restore on; pass --yes to restore without asking"
        }
    }
}
