import SyncropelKit
import Testing

@testable import SyncropelStore

/// The backup answer the daemon's route and the CLI's offline path both give.
@Suite struct BackupAnswerTests {
    let copy = StoreBackupResult(path: "/b/hub.db.20261205-081500", bytes: 81_920, recordCount: 12, highestSequence: 14)

    @Test func aTimestampedBackupNamesItsSealedKeys() {
        let answer = BackupAnswer(backup: copy, sealedKeys: "/b/keys.20261205-081500.sealed", warning: nil)
        #expect(answer.jsonValue.serialized() == """
            {"object":"backup","path":"/b/hub.db.20261205-081500","bytes":81920,"records":12,"highest_sequence":14,\
            "sealed_keys":"/b/keys.20261205-081500.sealed"}
            """)
    }

    @Test func keysThatCouldNotBeSealedLeaveANullAndAWarning() {
        let answer = BackupAnswer(backup: copy, sealedKeys: nil, warning: "keys not sealed: SPL_BACKUP_PASSPHRASE is too short")
        #expect(answer.jsonValue.serialized() == """
            {"object":"backup","path":"/b/hub.db.20261205-081500","bytes":81920,"records":12,"highest_sequence":14,\
            "sealed_keys":null,"warning":"keys not sealed: SPL_BACKUP_PASSPHRASE is too short"}
            """)
    }
}
