import Foundation

/// The files and folders of one instance home (SPEC 1), as absolute paths.
///
/// ```swift
/// let home = try HomeLayout.resolve(environment: ProcessInfo.processInfo.environment)
/// try home.create()
/// print(home.storeFile)  // /home/ana/.syncro/hub.db
/// ```
public struct HomeLayout: Sendable, Equatable {
    /// `sockaddr_un.sun_path` holds 108 bytes including the terminating NUL.
    public static let maxSocketPathBytes = 107

    /// The home folder, absolute.
    public let root: String

    /// A home at `root`, made absolute against `currentDirectory` when relative.
    public init(root: String, currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.root = AbsolutePath.make(root, against: currentDirectory)
    }

    /// The home the environment names: `SYNCROPEL_HOME`, else `$HOME/.syncro`.
    ///
    /// An empty variable counts as unset. The result is absolute, made so once here, so a
    /// later change of directory (a daemon spawns in `/`) does not move the home.
    public static func resolve(
        environment: [String: String],
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(HomeError) -> HomeLayout {
        if let home = environment["SYNCROPEL_HOME"], !home.isEmpty {
            return HomeLayout(root: home, currentDirectory: currentDirectory)
        }
        guard let userHome = environment["HOME"], !userHome.isEmpty else { throw .noHomeDirectory }
        return HomeLayout(root: userHome + "/.syncro", currentDirectory: currentDirectory)
    }

    public var configFile: String { path("config.toml") }
    public var storeFile: String { path("hub.db") }

    public var keysDirectory: String { path("keys") }
    public var privateKeyFile: String { path("keys/primary.key") }
    public var publicKeyFile: String { path("keys/primary.pub") }

    public var secretsDirectory: String { path("secrets") }

    public var runDirectory: String { path("run") }
    /// Held with flock by the running daemon; never deleted, so every process locks the same inode.
    /// It holds the owner's pid while held, and the clean-shutdown stamp of the store after a
    /// clean stop, so a stopped home's run/ holds this one file.
    public var lockFile: String { path("run/spl.lock") }
    public var pidFile: String { path("run/spl.pid") }
    public var runInfoFile: String { path("run/spl.json") }
    public var socketFile: String { path("run/spl.sock") }

    /// The thread the last `spl intend` of this home wrote on (see `CurrentThread`).
    public var currentThreadFile: String { path("current-thread") }

    /// The bearer token the CLI sends to a daemon at `SPL_SERVE_URL` when neither `--token`
    /// nor `SPL_TOKEN` gives one; mode 0600, like a key.
    public var tokenFile: String { path("token") }

    public var logsDirectory: String { path("logs") }
    public var logFile: String { path("logs/spl.log") }
    public var stderrLogFile: String { path("logs/spl.stderr.log") }

    /// Creates the home and its keys/, secrets/, run/ and logs/ folders, each 0700.
    public func create() throws(HomeError) {
        for folder in [root, keysDirectory, secretsDirectory, runDirectory, logsDirectory] {
            try PrivateFiles.makeDirectory(folder)
        }
    }

    /// Puts the home's folders back to 0700 and its store and config files back to 0600,
    /// returning one line per change (`mode of /h/run was 0755, set to 0700`) for the log.
    ///
    /// Another user who can enter run/ can write to the socket, and the socket writes what
    /// the instance key signs, so modes are enforced at every start rather than reported. A
    /// folder that is a symbolic link is refused: spl would write the socket, the logs or
    /// the keys wherever the link points.
    public func enforcePrivateModes() throws(HomeError) -> [String] {
        var repairs: [String] = []
        for folder in [keysDirectory, secretsDirectory, runDirectory, logsDirectory] {
            try refuseLink(folder)
            if let repair = try PrivateFiles.enforceMode(folder, FileMode.privateDirectory) { repairs.append(repair) }
        }
        for file in [storeFile, storeFile + "-wal", storeFile + "-shm", configFile] {
            if let repair = try PrivateFiles.enforceMode(file, FileMode.privateFile) { repairs.append(repair) }
        }
        return repairs
    }

    private func refuseLink(_ path: String) throws(HomeError) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return }
        throw .symbolicLink(path: path)
    }

    /// True when the home has a private key: it was initialised and has an identity.
    public var hasIdentity: Bool {
        access(privateKeyFile, F_OK) == 0
    }

    /// What is at hub.db: an identity with a missing or empty store must not start (SPEC 5.2).
    public enum StoreFileState: Sendable, Equatable {
        case missing
        case empty
        case present(bytes: Int64)
    }

    public var storeFileState: StoreFileState {
        var info = stat()
        guard stat(storeFile, &info) == 0 else { return .missing }
        return info.st_size == 0 ? .empty : .present(bytes: Int64(info.st_size))
    }

    /// Refuses a socket path that `bind` would truncate or reject.
    public func checkSocketPath() throws(HomeError) {
        let bytes = socketFile.utf8.count
        guard bytes <= HomeLayout.maxSocketPathBytes else {
            throw .socketPathTooLong(path: socketFile, bytes: bytes)
        }
    }

    /// Removes spl.pid, spl.json and spl.sock at shutdown; spl.lock stays (see `lockFile`).
    public func removeRunFiles() throws(HomeError) {
        for file in [pidFile, runInfoFile, socketFile] {
            try PrivateFiles.remove(file)
        }
    }

    private func path(_ relative: String) -> String {
        root == "/" ? "/" + relative : root + "/" + relative
    }
}
