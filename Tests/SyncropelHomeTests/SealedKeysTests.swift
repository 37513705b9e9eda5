import Foundation
import SyncropelKit
import Testing

@testable import SyncropelHome

/// Identity backups (SPEC 8.4): sealed under a passphrase, restored on a new home with the same DID,
/// and nothing written when anything is wrong.
@Suite struct SealedKeysTests {
    static let passphrase = "correct horse battery"
    /// Cheap scrypt cost so each test derives in milliseconds; one test uses the standard cost.
    static let cheap = PassphraseKey.Parameters(n: 1 << 10, r: 8, p: 1)

    /// A home with a fresh identity and the path of its sealed keys.
    private func sealedHome(_ scratch: ScratchFolder) throws -> (identity: SigningIdentity, sealed: String) {
        let identity = try KeyFiles.create(in: scratch.home)
        let sealed = scratch.path + "/keys.20261127-030000.sealed"
        try SealedKeys.seal(home: scratch.home, passphrase: Self.passphrase, to: sealed, parameters: Self.cheap)
        return (identity, sealed)
    }

    @Test func restoreOnANewHomeGivesTheSameIdentityWithTheStandardCost() throws {
        let scratch = ScratchFolder()
        let identity = try KeyFiles.create(in: scratch.home)
        let sealed = scratch.path + "/keys.sealed"
        try SealedKeys.seal(home: scratch.home, passphrase: Self.passphrase, to: sealed)
        let newHome = HomeLayout(root: scratch.path + "/other/home")
        try SealedKeys.restore(from: sealed, passphrase: Self.passphrase, into: newHome, force: false)
        #expect(try KeyFiles.load(from: newHome).didKey == identity.didKey)
        #expect(try scratch.read(newHome.privateKeyFile) == scratch.read(scratch.home.privateKeyFile))
        #expect(try scratch.read(newHome.publicKeyFile) == scratch.read(scratch.home.publicKeyFile))
        #expect(FileMode.of(newHome.keysDirectory) == 0o700)
        #expect(FileMode.of(newHome.privateKeyFile) == 0o600)
        #expect(FileMode.of(newHome.publicKeyFile) == 0o600)
        #expect(try header(of: sealed)["n"] as? Int == 32768)
    }

    @Test func theFileIsPrivateVersionedAndHoldsNoKeyInTheClear() throws {
        let scratch = ScratchFolder()
        let (identity, sealed) = try sealedHome(scratch)
        #expect(FileMode.of(sealed) == 0o600)
        let text = try scratch.read(sealed)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)
        let fields = try header(of: sealed)
        #expect(fields["format"] as? String == "spl-sealed-keys")
        #expect(fields["version"] as? Int == 1)
        #expect(fields["kdf"] as? String == "scrypt")
        #expect(fields["n"] as? Int == 1024 && fields["r"] as? Int == 8 && fields["p"] as? Int == 1)
        #expect(Data(base64Encoded: fields["salt"] as? String ?? "")?.count == 16)
        #expect(!text.contains(identity.privateKey.rawRepresentation.base64EncodedString()))
        #expect(!text.contains(identity.didKey.description))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func eachSealUsesANewSalt() throws {
        let scratch = ScratchFolder()
        let (_, first) = try sealedHome(scratch)
        let second = scratch.path + "/second.sealed"
        try SealedKeys.seal(home: scratch.home, passphrase: Self.passphrase, to: second, parameters: Self.cheap)
        #expect(try header(of: first)["salt"] as? String != header(of: second)["salt"] as? String)
    }

    @Test func aWrongPassphraseFailsAndWritesNothing() throws {
        let scratch = ScratchFolder()
        let (_, sealed) = try sealedHome(scratch)
        let newHome = HomeLayout(root: scratch.path + "/new")
        #expect(throws: SealedKeysError.wrongPassphrase(path: sealed)) {
            try SealedKeys.restore(from: sealed, passphrase: "not the passphrase", into: newHome, force: false)
        }
        #expect(!FileManager.default.fileExists(atPath: newHome.root))
    }

    @Test func aWrongPassphraseWithForceLeavesExistingKeysAlone() throws {
        let scratch = ScratchFolder()
        let (_, sealed) = try sealedHome(scratch)
        let newHome = HomeLayout(root: scratch.path + "/new")
        let existing = try KeyFiles.create(in: newHome)
        #expect(throws: SealedKeysError.wrongPassphrase(path: sealed)) {
            try SealedKeys.restore(from: sealed, passphrase: "not the passphrase", into: newHome, force: true)
        }
        #expect(try KeyFiles.load(from: newHome).didKey == existing.didKey)
    }

    @Test func restoreRefusesToReplaceKeysWithoutForce() throws {
        let scratch = ScratchFolder()
        let (identity, sealed) = try sealedHome(scratch)
        let newHome = HomeLayout(root: scratch.path + "/new")
        let existing = try KeyFiles.create(in: newHome)
        #expect(throws: SealedKeysError.keyFiles(.alreadyExists(path: newHome.privateKeyFile))) {
            try SealedKeys.restore(from: sealed, passphrase: Self.passphrase, into: newHome, force: false)
        }
        #expect(try KeyFiles.load(from: newHome).didKey == existing.didKey)
        try SealedKeys.restore(from: sealed, passphrase: Self.passphrase, into: newHome, force: true)
        #expect(try KeyFiles.load(from: newHome).didKey == identity.didKey)
    }

    @Test func aShortPassphraseIsRefusedBeforeAnythingIsWritten() throws {
        let scratch = ScratchFolder()
        let (_, sealed) = try sealedHome(scratch)
        let target = scratch.path + "/short.sealed"
        #expect(throws: SealedKeysError.passphraseTooShort(characters: 11)) {
            try SealedKeys.seal(home: scratch.home, passphrase: "elevenchars", to: target)
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        let newHome = HomeLayout(root: scratch.path + "/new")
        #expect(throws: SealedKeysError.passphraseTooShort(characters: 0)) {
            try SealedKeys.restore(from: sealed, passphrase: "", into: newHome, force: false)
        }
        #expect(!FileManager.default.fileExists(atPath: newHome.root))
        // Twelve characters, counted as characters rather than bytes.
        try SealedKeys.seal(home: scratch.home, passphrase: "ééééééééééé1", to: target, parameters: Self.cheap)
    }

    @Test func sealingAHomeWithoutKeysNamesTheMissingKey() {
        let scratch = ScratchFolder()
        #expect(throws: SealedKeysError.keyFiles(.missing(path: scratch.home.privateKeyFile))) {
            try SealedKeys.seal(home: scratch.home, passphrase: Self.passphrase, to: scratch.path + "/k.sealed")
        }
    }

    @Test func aMissingFileIsNamed() {
        let scratch = ScratchFolder()
        let path = scratch.path + "/nowhere.sealed"
        #expect(throws: SealedKeysError.missing(path: path)) {
            try SealedKeys.restore(from: path, passphrase: Self.passphrase, into: scratch.home, force: false)
        }
    }

    @Test(arguments: [
        ("SQLite format 3\0", "it has no header line"),
        ("{\"format\":\"other\",\"version\":1}\nAAAA\n", "its first line is not a sealed keys header"),
        ("{\"format\":\"spl-sealed-keys\",\"version\":1}\nAAAA\n", "its header does not name scrypt parameters"),
        ("{\"format\":\"spl-sealed-keys\",\"version\":1,\"kdf\":\"scrypt\",\"n\":1048576,\"r\":8,\"p\":1,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}\nAAAA\n",
         "scrypt parameters n=1048576 r=8 p=1 are out of range"),
        ("{\"format\":\"spl-sealed-keys\",\"version\":1,\"kdf\":\"scrypt\",\"n\":1000,\"r\":8,\"p\":1,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}\nAAAA\n",
         "scrypt parameters n=1000 r=8 p=1 are out of range"),
        ("{\"format\":\"spl-sealed-keys\",\"version\":1,\"kdf\":\"scrypt\",\"n\":1024,\"r\":8,\"p\":1,\"salt\":\"AAAA\"}\nAAAA\n",
         "its salt is not 16 bytes of base64"),
        ("{\"format\":\"spl-sealed-keys\",\"version\":1,\"kdf\":\"scrypt\",\"n\":1024,\"r\":8,\"p\":1,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}\nnot base64\n",
         "its second line is not an AES-GCM box in base64"),
    ])
    func aFileThatIsNotSealedKeysIsRefused(content: String, reason: String) throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/bad.sealed"
        try scratch.write(content, to: path)
        #expect(throws: SealedKeysError.notSealedKeys(path: path, reason: reason)) {
            try SealedKeys.restore(from: path, passphrase: Self.passphrase, into: scratch.home, force: false)
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.home.root))
    }

    @Test func aLargeFileIsRefusedWithoutReadingIt() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/hub.db"
        try Data(count: 70_000).write(to: URL(fileURLWithPath: path))
        #expect(throws: SealedKeysError.notSealedKeys(path: path, reason: "it is 70000 bytes, far larger than sealed keys")) {
            try SealedKeys.restore(from: path, passphrase: Self.passphrase, into: scratch.home, force: false)
        }
    }

    @Test func aNewerFormatIsNamedAsSuch() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/future.sealed"
        try scratch.write("{\"format\":\"spl-sealed-keys\",\"version\":2,\"kdf\":\"argon2id\"}\nAAAA\n", to: path)
        #expect(throws: SealedKeysError.unsupportedVersion(path: path, version: 2)) {
            try SealedKeys.restore(from: path, passphrase: Self.passphrase, into: scratch.home, force: false)
        }
    }

    @Test func changingTheHeaderFailsLikeAWrongPassphrase() throws {
        let scratch = ScratchFolder()
        let (_, sealed) = try sealedHome(scratch)
        let text = try scratch.read(sealed)
        try scratch.write(text.replacingOccurrences(of: "\"r\":8", with: "\"r\":9"), to: sealed)
        let newHome = HomeLayout(root: scratch.path + "/new")
        #expect(throws: SealedKeysError.wrongPassphrase(path: sealed)) {
            try SealedKeys.restore(from: sealed, passphrase: Self.passphrase, into: newHome, force: false)
        }
        #expect(!FileManager.default.fileExists(atPath: newHome.root))
    }

    @Test func messagesSayWhatToDo() {
        #expect(SealedKeysError.passphraseTooShort(characters: 5).description
            == "the backup passphrase has 5 characters, fewer than 12; set SPL_BACKUP_PASSPHRASE to a passphrase of at least 12 characters")
        #expect(SealedKeysError.missing(path: "/b/keys.x.sealed").description
            == "no sealed keys file at /b/keys.x.sealed; pass a keys.<stamp>.sealed file from the instance's backup folder ('spl backup list' shows which backups have one)")
        #expect(SealedKeysError.notSealedKeys(path: "/b/hub.db", reason: "it has no header line").description
            == "/b/hub.db is not a sealed keys file (it has no header line); pass a keys.<stamp>.sealed file written by spl backup")
        #expect(SealedKeysError.unsupportedVersion(path: "/b/k.sealed", version: 2).description
            == "sealed keys file /b/k.sealed has format version 2, but this spl reads version 1; restore it with the spl that wrote it or a newer one")
        #expect(SealedKeysError.wrongPassphrase(path: "/b/k.sealed").description
            == "cannot open sealed keys file /b/k.sealed: wrong passphrase, or the file was altered; set SPL_BACKUP_PASSPHRASE to the passphrase the daemon had when it wrote this backup")
        #expect(SealedKeysError.cryptographyFailed(reason: "scrypt: out of memory").description
            == "cannot seal or open the keys (scrypt: out of memory); free some memory and retry")
        #expect(SealedKeysError.keyFiles(.missing(path: "/h/keys/primary.key")).description
            == KeyFileError.missing(path: "/h/keys/primary.key").description)
        #expect(SealedKeysError.fileSystem(.fileSystem(action: "write", path: "/b/k.sealed", errno: ENOSPC)).description
            == "cannot write /b/k.sealed: No space left on device; free some disk space and retry")
    }

    private func header(of path: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }
}
