import Foundation
import Testing

@testable import SyncropelStore

@Suite struct TimestampedBackupNameTests {
    @Test func stampIsUTCAndNeverOverwrites() throws {
        let fixture = StoreFixture()
        let date = Date(timeIntervalSince1970: 1_795_784_645)  // 2026-11-27 13:04:05 UTC
        #expect(TimestampedBackupName.stamp(date) == "20261127-130405")
        let first = TimestampedBackupName.unusedPath(in: fixture.folder, at: date)
        #expect(first == fixture.folder + "/hub.db.20261127-130405")
        try fixture.write([1], to: first)
        let second = TimestampedBackupName.unusedPath(in: fixture.folder, at: date)
        #expect(second == fixture.folder + "/hub.db.20261127-130405-2")
        try fixture.write([2], to: second)
        #expect(TimestampedBackupName.unusedPath(in: fixture.folder, at: date) == fixture.folder + "/hub.db.20261127-130405-3")
    }
}
