import Foundation
import Testing

/// Issue 13: a copy of a good backup with an added trigger (after insert on records, delete
/// the older rows) passed verify and restore, and after the next start one `spl know` left
/// 1 of 10 records. Now verify and restore refuse it by name, and a start refuses a store
/// that holds it, so the trigger never runs.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CraftedStoreTests {
    @Test func aBackupWithATriggerIsRefusedByVerifyRestoreAndStart() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        for index in 1...10 {
            let written = try await daemon.cli(["know", "fact \(index)", "--thread", "th_crafted"])
            try #require(written.status == 0, "\(written.stderr)")
        }
        #expect(try await daemon.stopDaemon().status == 0)
        let crafted = daemon.spl.scratch.path + "/crafted.db"
        try FileManager.default.copyItem(atPath: daemon.store, toPath: crafted)
        _ = try await ShellTool.sqlite(crafted, """
            CREATE TRIGGER evict AFTER INSERT ON records BEGIN DELETE FROM records WHERE sequence < NEW.sequence; END;
            CREATE TABLE stash (x); CREATE VIEW every_record AS SELECT * FROM records;
            """)
        let refusal = "store \(crafted) holds schema objects spl never creates (table stash, trigger evict, view every_record);"
            + " it was not written by spl and is not opened: restore another backup"

        let verified = try await daemon.cli(["backup", "verify", crafted])
        #expect(verified.status == 1)
        #expect(verified.stdout.hasSuffix("FAILED: \(refusal)\n"), "\(verified.stdout)")

        let store = try await FileFingerprint.of(daemon.store)
        let restored = try await daemon.cli(["backup", "restore", crafted, "--yes"])
        #expect(restored.status == 1)
        #expect(restored.stderr == "Error: \(crafted) failed verification (\(refusal)); pass --force to restore it anyway\n")
        #expect(try await FileFingerprint.of(daemon.store) == store, "a refused restore changes nothing")

        // Forced in, the file is still never opened for writing: the start refuses it.
        let forced = try await daemon.cli(["backup", "restore", crafted, "--yes", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let start = try await daemon.serve()
        #expect(start.status == 2)
        #expect(start.stderr.contains("store \(daemon.store) holds schema objects spl never creates (table stash, trigger evict, view every_record)"),
            "\(start.stderr)")
        #expect(try await ShellTool.sqlite(daemon.store, "SELECT count(*) FROM records WHERE thread = 'th_crafted'") == "10")
    }
}
