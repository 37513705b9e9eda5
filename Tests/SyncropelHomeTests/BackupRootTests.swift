import Foundation
import SyncropelKit
import Testing

@testable import SyncropelHome

@Suite struct BackupRootTests {
    func config(root: String?) -> HomeConfig {
        var config = HomeConfig.defaults(environment: ["USER": "ana"])
        config.backup.root = root
        return config
    }

    @Test func environmentWins() throws {
        let root = try BackupRoot.resolve(
            environment: ["SPL_BACKUP_ROOT": "/mnt/backups", "HOME": "/home/ana"], config: config(root: "/etc/b"),
            currentDirectory: "/")
        #expect(root == BackupRoot(path: "/mnt/backups", source: .environment))
    }

    @Test func relativeEnvironmentRootIsMadeAbsolute() throws {
        let root = try BackupRoot.resolve(
            environment: ["SPL_BACKUP_ROOT": "b/./c"], config: config(root: nil), currentDirectory: "/work")
        #expect(root.path == "/work/b/c")
    }

    @Test func configComesNext() throws {
        let root = try BackupRoot.resolve(
            environment: ["SPL_BACKUP_ROOT": "", "HOME": "/home/ana"], config: config(root: "/srv/b/"),
            currentDirectory: "/")
        #expect(root == BackupRoot(path: "/srv/b", source: .config))
    }

    @Test func defaultIsUnderHome() throws {
        let root = try BackupRoot.resolve(environment: ["HOME": "/home/ana"], config: config(root: nil), currentDirectory: "/")
        #expect(root == BackupRoot(path: "/home/ana/.local/share/syncropel/backups", source: .defaultLocation))
    }

    @Test func noHomeAndNoSettingIsAnError() {
        #expect(throws: HomeError.noBackupRoot) {
            try BackupRoot.resolve(environment: [:], config: config(root: nil), currentDirectory: "/")
        }
    }

    @Test func instanceFolderIsNamedByTheTail() throws {
        let did = try SigningIdentity(rawPrivateKey: [UInt8](repeating: 1, count: 32)).didKey
        let root = BackupRoot(path: "/b", source: .config)
        #expect(root.instanceFolder(for: did) == "/b/instance-" + did.instanceTail)
        #expect(did.instanceTail.count == 24)
    }

    @Test func createdFoldersAre0700() throws {
        let scratch = ScratchFolder()
        let did = SigningIdentity().didKey
        let root = try BackupRoot.resolve(environment: scratch.environment, config: config(root: nil))
        let folder = try root.createInstanceFolder(for: did)
        #expect(folder == scratch.path + "/.local/share/syncropel/backups/instance-" + did.instanceTail)
        var path = scratch.path
        for component in [".local", "share", "syncropel", "backups", "instance-" + did.instanceTail] {
            path += "/" + component
            #expect(FileMode.of(path) == 0o700, "\(path)")
        }
    }
}
