import Foundation
import Testing

@testable import SyncropelHome

@Suite struct HomeResolutionTests {
    @Test func syncropelHomeWins() throws {
        let home = try HomeLayout.resolve(
            environment: ["SYNCROPEL_HOME": "/srv/drill", "HOME": "/home/ana"], currentDirectory: "/tmp")
        #expect(home.root == "/srv/drill")
    }

    @Test func defaultIsDotSyncroInHome() throws {
        let home = try HomeLayout.resolve(environment: ["HOME": "/home/ana"], currentDirectory: "/tmp")
        #expect(home.root == "/home/ana/.syncro")
    }

    @Test func emptySyncropelHomeCountsAsUnset() throws {
        let home = try HomeLayout.resolve(
            environment: ["SYNCROPEL_HOME": "", "HOME": "/home/ana"], currentDirectory: "/tmp")
        #expect(home.root == "/home/ana/.syncro")
    }

    @Test func relativeHomeIsMadeAbsoluteAgainstTheCurrentDirectory() throws {
        let home = try HomeLayout.resolve(environment: ["SYNCROPEL_HOME": "./drill/../homes/a/"], currentDirectory: "/work")
        #expect(home.root == "/work/homes/a")
    }

    @Test func relativeHomeVariableIsMadeAbsoluteToo() throws {
        let home = try HomeLayout.resolve(environment: ["HOME": "ana"], currentDirectory: "/home")
        #expect(home.root == "/home/ana/.syncro")
    }

    @Test func noHomeAtAllIsAnError() {
        #expect(throws: HomeError.noHomeDirectory) {
            try HomeLayout.resolve(environment: ["HOME": ""], currentDirectory: "/")
        }
    }

    @Test func pathsFollowTheSpecLayout() {
        let home = HomeLayout(root: "/h")
        #expect(home.configFile == "/h/config.toml")
        #expect(home.storeFile == "/h/hub.db")
        #expect(home.privateKeyFile == "/h/keys/primary.key")
        #expect(home.publicKeyFile == "/h/keys/primary.pub")
        #expect(home.secretsDirectory == "/h/secrets")
        #expect(home.lockFile == "/h/run/spl.lock")
        #expect(home.pidFile == "/h/run/spl.pid")
        #expect(home.runInfoFile == "/h/run/spl.json")
        #expect(home.socketFile == "/h/run/spl.sock")
        #expect(home.logFile == "/h/logs/spl.log")
        #expect(home.stderrLogFile == "/h/logs/spl.stderr.log")
    }

    @Test func rootHomeHasNoDoubleSlash() {
        #expect(HomeLayout(root: "/").configFile == "/config.toml")
    }
}

/// Changes the process umask, so these run one at a time. Only group and other bits are
/// masked: suites running beside these still get owner access to what they create.
@Suite(.serialized) struct HomeCreationTests {
    @Test(arguments: [mode_t(0o022), 0o077])
    func foldersAre0700WhateverTheUmask(mask: mode_t) throws {
        let scratch = ScratchFolder()
        let home = HomeLayout(root: scratch.path + "/a/b/home")
        let previous = umask(mask)
        defer { umask(previous) }
        try home.create()
        for folder in [scratch.path + "/a", scratch.path + "/a/b", home.root, home.keysDirectory,
                       home.secretsDirectory, home.runDirectory, home.logsDirectory] {
            #expect(FileMode.of(folder) == 0o700, "\(folder)")
        }
    }

    @Test(arguments: [mode_t(0o022), 0o077])
    func filesAre0600WhateverTheUmask(mask: mode_t) throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let previous = umask(mask)
        defer { umask(previous) }
        try home.create()
        try HomeConfig.defaults(environment: scratch.environment).save(to: home.configFile)
        try KeyFiles.create(in: home)
        try PIDFile.write(42, to: home.pidFile)
        _ = try HomeLock.acquire(home)
        for file in [home.configFile, home.privateKeyFile, home.publicKeyFile, home.pidFile, home.lockFile] {
            #expect(FileMode.of(file) == 0o600, "\(file)")
        }
    }

    @Test func existingFoldersKeepTheirMode() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try FileManager.default.createDirectory(atPath: home.root, withIntermediateDirectories: false)
        chmod(home.root, 0o755)
        try home.create()
        #expect(FileMode.of(home.root) == 0o755)
        #expect(FileMode.of(home.runDirectory) == 0o700)
    }

    @Test func aFileInTheWayOfAFolderIsReported() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try scratch.write("not a folder", to: home.root)
        let error = #expect(throws: HomeError.self) { try home.create() }
        #expect(error == .fileSystem(action: "create folder", path: home.root, errno: ENOTDIR))
    }
}

@Suite struct HomeStateTests {
    @Test func identityIsThePrivateKeyFile() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        #expect(!home.hasIdentity)
        try home.create()
        #expect(!home.hasIdentity)
        try KeyFiles.create(in: home)
        #expect(home.hasIdentity)
    }

    @Test func storeFileStates() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try home.create()
        #expect(home.storeFileState == .missing)
        #expect(FileManager.default.createFile(atPath: home.storeFile, contents: Data()))
        #expect(home.storeFileState == .empty)
        try scratch.write("SQLite format 3\0", to: home.storeFile)
        #expect(home.storeFileState == .present(bytes: 16))
    }

    @Test func socketPathOf107BytesIsAccepted() throws {
        let root = "/" + String(repeating: "h", count: HomeLayout.maxSocketPathBytes - "//run/spl.sock".count)
        let home = HomeLayout(root: root)
        #expect(home.socketFile.utf8.count == 107)
        try home.checkSocketPath()
    }

    @Test func socketPathOver107BytesIsRefused() {
        let root = "/" + String(repeating: "h", count: 108 - "//run/spl.sock".count)
        let home = HomeLayout(root: root)
        let error = #expect(throws: HomeError.self) { try home.checkSocketPath() }
        #expect(error == .socketPathTooLong(path: home.socketFile, bytes: 108))
    }

    @Test func removingRunFilesKeepsTheLock() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try home.create()
        for file in [home.pidFile, home.runInfoFile, home.socketFile, home.lockFile] {
            try scratch.write("x", to: file)
        }
        try home.removeRunFiles()
        try home.removeRunFiles()
        #expect(FileManager.default.fileExists(atPath: home.lockFile))
        for file in [home.pidFile, home.runInfoFile, home.socketFile] {
            #expect(!FileManager.default.fileExists(atPath: file))
        }
    }
}
