import Foundation
import Testing

@testable import SyncropelStore

@Suite struct RetentionTests {
    let now = Date(timeIntervalSince1970: 1_795_784_645)  // 2026-11-27 13:04:05 UTC

    private func name(daysAgo days: Double, suffix: String = "") -> String {
        "hub.db." + TimestampedBackupName.stamp(now.addingTimeInterval(-days * 86_400)) + suffix
    }

    private func keys(_ backup: String) -> String {
        TimestampedBackupName.sealedKeysName(forBackup: backup)!
    }

    @Test func expiredTimestampedBackupsGoWithTheirKeysAndNothingElseIsTouched() throws {
        let fixture = StoreFixture()
        let old20 = name(daysAgo: 20), old15 = name(daysAgo: 15), recent13 = name(daysAgo: 13)
        let current = name(daysAgo: 0), currentClash = name(daysAgo: 0, suffix: "-2")
        let files = [
            old20, keys(old20), old15, keys(old15), recent13, current, keys(current), currentClash,
            "hub.db.bak", "hub.db.bak.1", "hub.db.bak.2", "hub.db.pre-v1", "notes.txt", "keys.unrelated.sealed",
        ]
        for file in files { try fixture.write([1], to: fixture.folder + "/" + file) }
        // Startup generations are old on disk too: only the name's stamp counts, and only for timestamped names.
        let ancient = Date(timeIntervalSince1970: 0)
        try FileManager.default.setAttributes([.modificationDate: ancient], ofItemAtPath: fixture.folder + "/hub.db.bak.2")

        let removed = try BackupRetention.prune(folder: fixture.folder, retentionDays: 14, now: now)
        #expect(removed == [old20, keys(old20), old15, keys(old15)].map { fixture.folder + "/" + $0 })
        #expect(try fixture.listing() == files.filter { ![old20, keys(old20), old15, keys(old15)].contains($0) }.sorted())
        #expect(try BackupRetention.prune(folder: fixture.folder, retentionDays: 14, now: now) == [])
    }

    @Test func theNewestThreeStayHoweverOld() throws {
        let fixture = StoreFixture()
        let names = [40, 30, 20, 10].map { name(daysAgo: Double($0)) }
        for file in names { try fixture.write([1], to: fixture.folder + "/" + file) }
        let removed = try BackupRetention.prune(folder: fixture.folder, retentionDays: 14, now: now)
        #expect(removed == [fixture.folder + "/" + names[0]])
        #expect(try fixture.listing() == Array(names.dropFirst()).sorted())
    }

    @Test func startupGenerationsCountTowardsTheThreeKept() throws {
        let fixture = StoreFixture()
        let names = [40, 30, 20, 10].map { name(daysAgo: Double($0)) }
        for file in names + ["hub.db.bak", "hub.db.bak.1"] { try fixture.write([1], to: fixture.folder + "/" + file) }
        let removed = try BackupRetention.prune(folder: fixture.folder, retentionDays: 14, now: now)
        #expect(removed == names.prefix(3).map { fixture.folder + "/" + $0 })
        #expect(try fixture.listing() == ["hub.db.bak", "hub.db.bak.1", names[3]].sorted())
    }

    @Test func aClashSuffixCountsAsNewerThanItsStamp() {
        let base = name(daysAgo: 30)
        let names = [base, base + "-2", base + "-3", base + "-10"]
        #expect(BackupRetention.expired(names: names, retentionDays: 14, now: now) == [base])
    }

    @Test func aMissingFolderHasNothingToPrune() throws {
        #expect(try BackupRetention.prune(folder: "/tmp/spl-no-such-folder-\(UUID())", retentionDays: 14, now: now) == [])
    }

    @Test func onlyTimestampedNamesCarryADate() {
        #expect(TimestampedBackupName.date(ofName: "hub.db.20261127-130405") == now)
        #expect(TimestampedBackupName.date(ofName: "hub.db.20261127-130405-2") == now)
        #expect(TimestampedBackupName.sealedKeysName(forBackup: "hub.db.20261127-130405-2") == "keys.20261127-130405-2.sealed")
        for other in [
            "hub.db.bak", "hub.db.bak.1", "hub.db.pre-v1", "hub.db.20261327-130405", "hub.db.20261127-130405-",
            "hub.db.2026112-1304050", "hub.db.20261127-130405.tmp", "keys.20261127-130405.sealed",
            "hub.db", "hub.db.20261127-130405-x", "hub.db.20261127_130405", "hub.db.20261127-130405-2-3",
            "other.20261127-130405", "hub.db.replaced.1764000000",
        ] {
            #expect(TimestampedBackupName.date(ofName: other) == nil, "\(other)")
            #expect(TimestampedBackupName.sealedKeysName(forBackup: other) == nil, "\(other)")
        }
    }
}
