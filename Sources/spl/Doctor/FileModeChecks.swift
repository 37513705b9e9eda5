import Foundation
import SyncropelHome

/// The rows about permission bits (SPEC 10): folders 0700 and files 0600, nothing open to
/// group or others. Keys and secrets that others can read fail; the store, config and backups
/// warn. Each row's fix is the `chmod` that closes exactly the paths it names.
enum FileModeChecks {
    /// A path that group or others can open, with the mode it has.
    struct OpenPath: Equatable {
        let path: String
        let mode: mode_t
        let isDirectory: Bool

        var text: String { "\(path) \(FileMode.octal(mode))" }
    }

    static func keys(_ instance: DoctorInstance, folder: BackupFolder?) -> DoctorCheck {
        let name = "keys mode"
        let home = instance.home
        guard home.hasIdentity else {
            guard case .present = home.storeFileState else {
                return .warn(name, "no instance in \(home.root) yet", fix: "spl start")
            }
            let fix = folder?.newestSealedKeys.map { "spl backup --auto restore-keys " + ShellWord.quoted($0.path) }
            return .fail(name, "no private key at \(home.privateKeyFile)", fix: fix ?? "spl init")
        }
        return row(name, tree(home.keysDirectory), failing: true, passDetail: "\(home.keysDirectory) and its files: owner only")
    }

    static func secrets(_ instance: DoctorInstance) -> DoctorCheck {
        let folder = instance.home.secretsDirectory
        guard FileMode.of(folder) != nil else { return .pass("secrets mode", "no \(folder)") }
        return row("secrets mode", tree(folder), failing: true, passDetail: "\(folder) and its files: owner only")
    }

    /// run/ holds the socket, and what is written there the instance key signs: a run/ that
    /// others can enter, or that is a link to somewhere else, fails (the daemon repairs the
    /// mode and refuses the link at its next start).
    static func run(_ instance: DoctorInstance) -> DoctorCheck {
        let name = "run mode"
        let folder = instance.home.runDirectory
        var info = stat()
        guard lstat(folder, &info) == 0 else { return .pass(name, "no \(folder) yet") }
        guard info.st_mode & S_IFMT != S_IFLNK else {
            let quoted = ShellWord.quoted(folder)
            return .fail(name, "\(folder) is a symbolic link", fix: "rm \(quoted) && mkdir -m 700 \(quoted)")
        }
        return row(name, tree(folder), failing: true, passDetail: "\(folder) and its files: owner only")
    }

    /// hub.db and, while open, its -wal and -shm (SQLite gives them the store's mode).
    static func store(_ instance: DoctorInstance) -> DoctorCheck {
        let path = instance.storePath
        guard FileMode.of(path) != nil else { return .pass("store mode", "no \(path)") }
        let files = [path, path + "-wal", path + "-shm"].compactMap(openPath)
        return row("store mode", files, failing: false, passDetail: "\(path): owner only")
    }

    /// config.toml must load (a bad one stops the daemon) and be 0600, as `HomeConfig.save` writes it.
    static func config(_ instance: DoctorInstance) -> DoctorCheck {
        let path = instance.home.configFile
        if let error = instance.configError {
            return .fail("config", error, fix: "mv \(ShellWord.quoted(path)) \(ShellWord.quoted(path + ".invalid"))")
        }
        guard FileMode.of(path) != nil else { return .pass("config", "no \(path): defaults apply") }
        return row("config", [openPath(path)].compactMap { $0 }, failing: false, passDetail: "\(path): owner only")
    }

    /// The backup root and the instance folder (not recursively: other instances' folders are theirs).
    static func backups(_ instance: DoctorInstance, folder: BackupFolder?) -> DoctorCheck {
        let name = "backup mode"
        guard let root = instance.backupRoot?.path else {
            return .pass(name, "no backup root")
        }
        guard FileMode.of(root) != nil else { return .pass(name, "no \(root) yet") }
        var open = [openPath(root)].compactMap { $0 }
        if let folder, FileMode.of(folder.path) != nil {
            open += tree(folder.path, recursive: false)
        }
        return row(name, open, failing: false, passDetail: "\(root) and the instance folder: owner only")
    }

    /// The folder and what it holds (regular files and folders; symlinks are not followed).
    static func tree(_ folder: String, recursive: Bool = true) -> [OpenPath] {
        var open = [openPath(folder)].compactMap { $0 }
        let names = (recursive
            ? FileManager.default.subpaths(atPath: folder)
            : try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names.sorted() {
            if let found = openPath(folder + "/" + name) { open.append(found) }
        }
        return open
    }

    /// The path when group or others can open it (a file, folder or socket); nil when it is
    /// private or missing.
    static func openPath(_ path: String) -> OpenPath? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG || kind == S_IFDIR || kind == S_IFSOCK else { return nil }
        let mode = info.st_mode & 0o7777
        guard FileMode.isOpenToOthers(mode) else { return nil }
        return OpenPath(path: path, mode: mode, isDirectory: kind == S_IFDIR)
    }

    /// `chmod 700 <folders> && chmod 600 <files>`, naming only the paths that need it.
    static func chmodCommand(_ open: [OpenPath]) -> String {
        let folders = open.filter(\.isDirectory).map { ShellWord.quoted($0.path) }
        let files = open.filter { !$0.isDirectory }.map { ShellWord.quoted($0.path) }
        return [
            folders.isEmpty ? nil : "chmod 700 " + folders.joined(separator: " "),
            files.isEmpty ? nil : "chmod 600 " + files.joined(separator: " "),
        ].compactMap { $0 }.joined(separator: " && ")
    }

    private static func row(_ name: String, _ open: [OpenPath], failing: Bool, passDetail: String) -> DoctorCheck {
        guard !open.isEmpty else { return .pass(name, passDetail) }
        let detail = "open to group or others: " + open.map(\.text).joined(separator: ", ")
        return failing
            ? .fail(name, detail, fix: chmodCommand(open)) : .warn(name, detail, fix: chmodCommand(open))
    }
}
