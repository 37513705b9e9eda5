import Testing

@testable import SyncropelStore

/// Every operator-facing line this module can print, word for word.
@Suite struct ErrorMessageTests {
    static let path = "/home/ana/.syncro/hub.db"

    @Test(arguments: [
        (StoreError.cannotOpen(path: path, sqliteMessage: "unable to open database file (SQLite error 14)"),
         "cannot open store /home/ana/.syncro/hub.db: unable to open database file (SQLite error 14)"),
        (.newerSchema(path: path, found: 3, supported: 1),
         "store /home/ana/.syncro/hub.db has schema version 3, newer than version 1 that this spl supports; use a newer spl"),
        (.storeFull(path: path, sqliteMessage: "database or disk is full (SQLite error 13)"),
         "store /home/ana/.syncro/hub.db is full: database or disk is full (SQLite error 13); nothing was written"),
        (.sqlite(path: path, sqliteMessage: "disk I/O error (SQLite error 10)"),
         "store /home/ana/.syncro/hub.db failed: disk I/O error (SQLite error 10)"),
        (.damagedRecord(path: path, sequence: 7, reason: "stored canonical bytes are not an object"),
         "store /home/ana/.syncro/hub.db has a damaged record at sequence 7: stored canonical bytes are not an object; the file was changed outside spl, restore it from a backup"),
        (.backupFailed(destination: "/b/hub.db.bak", reason: "database or disk is full (SQLite error 13)"),
         "backup to /b/hub.db.bak failed: database or disk is full (SQLite error 13)"),
        (.fileSystem(path: "/run/stamp", operation: "write", reason: "Permission denied"),
         "cannot write /run/stamp: Permission denied"),
        (.closed(path: path), "store /home/ana/.syncro/hub.db is closed"),
        (.signingFailed(reason: "key unavailable"), "the instance key could not sign a record: key unavailable"),
        (.unavailable(url: "postgresql://spl@db:5432/hub", reason: "connect(descriptor:addr:size:): Connection refused (errno: 111)"),
         "store postgresql://spl@db:5432/hub is unavailable: connect(descriptor:addr:size:): Connection refused (errno: 111); nothing was written, try again once the server is back"),
        (.postgres(url: "postgresql://spl@db:5432/hub", message: "permission denied for table records (SQLSTATE 42501)"),
         "store postgresql://spl@db:5432/hub failed: permission denied for table records (SQLSTATE 42501)"),
    ])
    func storeErrors(error: StoreError, message: String) {
        #expect(error.description == message)
    }

    @Test(arguments: [
        (StoreHealthError.missing(path: path), "store /home/ana/.syncro/hub.db does not exist"),
        (.empty(path: path), "store /home/ana/.syncro/hub.db is empty (0 bytes)"),
        (.notADatabase(path: path, sqliteMessage: "file is not a database (SQLite error 26)"),
         "store /home/ana/.syncro/hub.db is damaged: file is not a database (SQLite error 26)"),
        (.corrupt(path: path, sqliteMessage: "database disk image is malformed (SQLite error 11)"),
         "store /home/ana/.syncro/hub.db is damaged: database disk image is malformed (SQLite error 11)"),
        (.notAStore(path: path, reason: "it has no meta table"),
         "store /home/ana/.syncro/hub.db is not a Syncropel store: it has no meta table"),
        (.newerSchema(path: path, found: 2, supported: 1),
         "store /home/ana/.syncro/hub.db has schema version 2, newer than version 1 that this spl supports; use a newer spl"),
        (.unreadable(path: path, sqliteMessage: "disk I/O error (SQLite error 10)"),
         "store /home/ana/.syncro/hub.db cannot be read: disk I/O error (SQLite error 10)"),
    ])
    func healthErrors(error: StoreHealthError, message: String) {
        #expect(error.description == message)
        #expect(error.path == Self.path)
    }

    @Test func sweepFindings() {
        let id = String(repeating: "ab", count: 32)
        let cases: [(SweepFinding.Reason, String)] = [
            (.unreadable("stored canonical bytes do not parse"), "canonical bytes unreadable: stored canonical bytes do not parse"),
            (.notCanonical, "stored bytes are not in canonical form"),
            (.badColumn(column: "clock", stored: "7", expected: "8"), "column clock holds 7, canonical bytes say 8"),
            (.badSignature("sig must be base64"), "bad signature: sig must be base64"),
        ]
        for (reason, text) in cases {
            #expect(SweepFinding(storedID: id, sequence: 4, reason: reason).description == "record \(id) (sequence 4): \(text)")
        }
    }
}
