import Foundation
import SyncropelKit

/// The instance key pair on disk (SPEC 2): keys/primary.key holds the 32 raw private-key
/// bytes as one line of base64, keys/primary.pub the did:key text.
///
/// ```swift
/// let identity = home.hasIdentity ? try KeyFiles.load(from: home) : try KeyFiles.create(in: home)
/// ```
public enum KeyFiles {
    /// Makes a new key pair and writes it into keys/.
    ///
    /// Throws `KeyFileError.alreadyExists` when the home has a private key, unless `force`.
    @discardableResult
    public static func create(in home: HomeLayout, force: Bool = false) throws -> SigningIdentity {
        let identity = SigningIdentity()
        try write(identity, to: home, force: force)
        return identity
    }

    /// Writes `identity` into keys/ (folder 0700, files 0600), the private key first so a
    /// crash between the two never leaves a public key without its private key.
    ///
    /// Throws `KeyFileError.alreadyExists` when the home has a private key, unless `force`.
    public static func write(_ identity: SigningIdentity, to home: HomeLayout, force: Bool) throws {
        guard force || !home.hasIdentity else { throw KeyFileError.alreadyExists(path: home.privateKeyFile) }
        try PrivateFiles.makeDirectory(home.keysDirectory)
        let encoded = identity.privateKey.rawRepresentation.base64EncodedString() + "\n"
        try PrivateFiles.writeAtomically(Array(encoded.utf8), to: home.privateKeyFile)
        try PrivateFiles.writeAtomically(Array((identity.didKey.description + "\n").utf8), to: home.publicKeyFile)
    }

    /// Reads the private key, refusing a keys folder or key file that group or others can open.
    ///
    /// Throws `KeyFileError` (missing, too open, malformed) or `HomeError.fileSystem`.
    public static func load(from home: HomeLayout) throws -> SigningIdentity {
        if let mode = FileMode.of(home.keysDirectory), FileMode.isOpenToOthers(mode) {
            throw KeyFileError.directoryTooOpen(path: home.keysDirectory, mode: mode)
        }
        let path = home.privateKeyFile
        guard let file = try PrivateFiles.contents(of: path) else { throw KeyFileError.missing(path: path) }
        guard !FileMode.isOpenToOthers(file.mode) else { throw KeyFileError.tooOpen(path: path, mode: file.mode) }
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            throw KeyFileError.malformed(path: path, reason: "not text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: trimmed) else {
            throw KeyFileError.malformed(path: path, reason: "not base64")
        }
        guard raw.count == 32 else {
            throw KeyFileError.malformed(path: path, reason: "\(raw.count) bytes, expected 32")
        }
        return try SigningIdentity(rawPrivateKey: raw)
    }
}
