import Foundation
import SyncropelKit
import Testing

@testable import SyncropelHome

@Suite struct KeyFilesTests {
    @Test func createThenLoadGivesTheSameIdentity() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let created = try KeyFiles.create(in: home)
        let loaded = try KeyFiles.load(from: home)
        #expect(loaded.didKey == created.didKey)
        #expect(loaded.didKey.description.hasPrefix("did:key:z6Mk"))
    }

    @Test func fileContentsAreBase64AndDIDKeyLines() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let identity = try KeyFiles.create(in: home)
        let privateText = try scratch.read(home.privateKeyFile)
        #expect(privateText == identity.privateKey.rawRepresentation.base64EncodedString() + "\n")
        #expect(Data(base64Encoded: privateText.trimmingCharacters(in: .newlines))?.count == 32)
        #expect(try scratch.read(home.publicKeyFile) == identity.didKey.description + "\n")
        #expect(FileMode.of(home.keysDirectory) == 0o700)
    }

    @Test func createRefusesToReplaceAnIdentity() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let first = try KeyFiles.create(in: home)
        #expect(throws: KeyFileError.alreadyExists(path: home.privateKeyFile)) {
            try KeyFiles.create(in: home)
        }
        #expect(try KeyFiles.load(from: home).didKey == first.didKey)
    }

    @Test func forceReplacesTheIdentity() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let first = try KeyFiles.create(in: home)
        let second = try KeyFiles.create(in: home, force: true)
        #expect(first.didKey != second.didKey)
        #expect(try KeyFiles.load(from: home).didKey == second.didKey)
        #expect(try scratch.read(home.publicKeyFile) == second.didKey.description + "\n")
    }

    @Test func writeStoresAGivenIdentity() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let identity = try SigningIdentity(rawPrivateKey: [UInt8](repeating: 7, count: 32))
        try KeyFiles.write(identity, to: home, force: false)
        #expect(try KeyFiles.load(from: home).didKey == identity.didKey)
    }

    @Test(arguments: [mode_t(0o644), 0o640, 0o604, 0o620])
    func keyOpenToOthersIsRefusedWithTheChmodFix(keyMode: mode_t) throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try KeyFiles.create(in: home)
        chmod(home.privateKeyFile, keyMode)
        let error = #expect(throws: KeyFileError.self) { try KeyFiles.load(from: home) }
        #expect(error == .tooOpen(path: home.privateKeyFile, mode: keyMode))
        #expect(error?.description.contains("chmod 600 \(home.privateKeyFile)") == true)
    }

    @Test func keyOf0400IsAccepted() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try KeyFiles.create(in: home)
        chmod(home.privateKeyFile, 0o400)
        _ = try KeyFiles.load(from: home)
    }

    @Test func keysFolderOpenToOthersIsRefused() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try KeyFiles.create(in: home)
        chmod(home.keysDirectory, 0o755)
        let error = #expect(throws: KeyFileError.self) { try KeyFiles.load(from: home) }
        #expect(error == .directoryTooOpen(path: home.keysDirectory, mode: 0o755))
        #expect(error?.description.contains("chmod 700 \(home.keysDirectory)") == true)
    }

    @Test func missingKeyIsReported() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try home.create()
        #expect(throws: KeyFileError.missing(path: home.privateKeyFile)) { try KeyFiles.load(from: home) }
    }

    @Test(arguments: [
        ("not base64!", "not base64"),
        ("AAAA\n", "3 bytes, expected 32"),
        ("", "0 bytes, expected 32"),
    ])
    func malformedKeyNamesThePath(text: String, reason: String) throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try KeyFiles.create(in: home)
        try PrivateFiles.writeAtomically(Array(text.utf8), to: home.privateKeyFile)
        #expect(throws: KeyFileError.malformed(path: home.privateKeyFile, reason: reason)) {
            try KeyFiles.load(from: home)
        }
    }

    @Test func binaryKeyFileIsMalformed() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try KeyFiles.create(in: home)
        try PrivateFiles.writeAtomically([0xFF, 0xFE, 0x00], to: home.privateKeyFile)
        #expect(throws: KeyFileError.malformed(path: home.privateKeyFile, reason: "not text")) {
            try KeyFiles.load(from: home)
        }
    }
}
