import Foundation
import Testing

@testable import SyncropelStore

/// The one rule for which files are an instance's backups (issue 12): what `spl backup list`,
/// doctor, retention and the daemon's restore hint all read.
@Suite struct BackupCatalogTests {
    @Test func namesAreClassifiedAndEverythingElseIsLeftOut() throws {
        let fixture = StoreFixture()
        let folder = fixture.folder + "/instance-0123"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let names = [
            "hub.db.bak", "hub.db.bak.1", "hub.db.bak.2", "hub.db.20261204-090000", "keys.20261204-090000.sealed",
            "hub.db.20261205-100000-2", "hub.db.pre-v2", ".hub.db.bak.incoming", "hub.db.bak.x", "notes.txt", "hub.db.replaced.1",
        ]
        for name in names { try fixture.write([1, 2, 3], to: folder + "/" + name) }
        try FileManager.default.createDirectory(atPath: folder + "/hub.db.20261206-000000", withIntermediateDirectories: false)
        let legacy = fixture.folder + "/hub.db.bak"
        try fixture.write([9], to: legacy)

        let catalog = BackupCatalog.read(folder: folder, legacy: legacy)
        let kinds = Dictionary(uniqueKeysWithValues: catalog.backups.map { ($0.path, $0.kind) })
        #expect(kinds == [
            folder + "/hub.db.bak": .startup, folder + "/hub.db.bak.1": .startup, folder + "/hub.db.bak.2": .startup,
            folder + "/hub.db.20261204-090000": .timestamped, folder + "/hub.db.20261205-100000-2": .timestamped,
            folder + "/hub.db.pre-v2": .premigration, legacy: .legacy,
        ])
        #expect(catalog.backups.count == 7, "\(catalog.backups.map(\.path))")
        #expect(catalog.backups.filter { $0.kind == .legacy }.map(\.path) == [legacy])
        #expect(catalog.backups.first { $0.path.hasSuffix("20261204-090000") }?.sealedKeys == folder + "/keys.20261204-090000.sealed")
        #expect(catalog.backups.first { $0.path.hasSuffix("20261205-100000-2") }?.sealedKeys == nil)
        #expect(catalog.sealedKeys.map(\.path) == [folder + "/keys.20261204-090000.sealed"])
        let stamped = catalog.backups.filter { $0.kind == .timestamped }.map(\.time)
        #expect(stamped == stamped.sorted(by: >), "newest first")
    }

    @Test func aMissingFolderHoldsNoBackups() {
        let catalog = BackupCatalog.read(folder: "/tmp/spl-no-such-folder-\(UUID())", legacy: nil)
        #expect(catalog.backups.isEmpty && catalog.sealedKeys.isEmpty && catalog.newest == nil)
    }
}
