import Crypto
import Foundation
import SyncropelKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The identity backup (SPEC 8.4): the instance's key files sealed under a passphrase, so a
/// store backup can be restored on a new machine with the identity that signed its records.
///
/// A sealed file is two lines of text:
///
/// ```text
/// {"format":"spl-sealed-keys","kdf":"scrypt","n":32768,"p":1,"r":8,"salt":"<base64, 16 bytes>","version":1}
/// <base64 of the AES-256-GCM box: 12-byte nonce ‖ ciphertext ‖ 16-byte tag>
/// ```
///
/// The key is scrypt(passphrase, salt, N=n, r, p) → 32 bytes. The header line's exact bytes are
/// the box's authenticated data, so its parameters cannot be changed without failing the tag
/// like a wrong passphrase. The plaintext is a JSON object holding the text of keys/primary.key
/// and keys/primary.pub under those names. A reader refuses a `version` it does not know.
///
/// ```swift
/// try SealedKeys.seal(home: home, passphrase: phrase, to: folder + "/keys.20261127-030000.sealed")
/// try SealedKeys.restore(from: sealedPath, passphrase: phrase, into: newHome, force: false)
/// ```
public enum SealedKeys {
    public static let minimumPassphraseLength = PassphraseKey.minimumPassphraseLength
    public static let formatVersion = 1

    private static let formatName = "spl-sealed-keys"
    /// Two key files and a header: anything larger was never written by `seal`.
    private static let maximumFileBytes = 64 << 10

    private struct Header: Codable {
        var format: String
        var version: Int
        var kdf: String
        var n: Int
        var r: Int
        var p: Int
        var salt: String
    }

    /// Only what every version must have, read first so a newer file is named as such.
    private struct VersionProbe: Decodable {
        var format: String
        var version: Int
    }

    private struct Plaintext: Codable {
        var privateKey: String
        var publicKey: String

        enum CodingKeys: String, CodingKey {
            case privateKey = "primary.key"
            case publicKey = "primary.pub"
        }
    }

    /// Writes the sealed key files of `home` to `path`, mode 0600, through a temporary file,
    /// fsync and rename, so `path` is either absent or whole.
    ///
    /// Throws `.passphraseTooShort`, `.keyFiles` when the home has no usable key, `.fileSystem`.
    public static func seal(
        home: HomeLayout, passphrase: String, to path: String, parameters: PassphraseKey.Parameters = .standard
    ) throws(SealedKeysError) {
        let file = try sealed(home: home, passphrase: passphrase, parameters: parameters)
        do {
            try PrivateFiles.writeAtomically(file, to: path)
        } catch {
            throw .fileSystem(error)
        }
    }

    /// The bytes of a sealed keys file for `home`'s key pair, as `seal` writes them (a replica
    /// ships them as an object).
    ///
    /// Throws `.passphraseTooShort`, `.keyFiles` when the home has no usable key, `.fileSystem`.
    public static func sealed(
        home: HomeLayout, passphrase: String, parameters: PassphraseKey.Parameters = .standard
    ) throws(SealedKeysError) -> [UInt8] {
        try PassphraseKey.checkLength(of: passphrase)
        // Loading checks the key is whole and private before a copy of it leaves the home.
        let identity: SigningIdentity
        do {
            identity = try KeyFiles.load(from: home)
        } catch let error as KeyFileError {
            throw .keyFiles(error)
        } catch let error as HomeError {
            throw .fileSystem(error)
        } catch {
            throw .keyFiles(.malformed(path: home.privateKeyFile, reason: "\(error)"))
        }
        // The same text KeyFiles writes, so a restored keys/ matches the original byte for byte.
        let plaintext = Plaintext(
            privateKey: identity.privateKey.rawRepresentation.base64EncodedString() + "\n",
            publicKey: identity.didKey.description + "\n")
        let salt = PassphraseKey.randomSalt()
        let header = Header(
            format: formatName, version: formatVersion, kdf: "scrypt",
            n: parameters.n, r: parameters.r, p: parameters.p, salt: Data(salt).base64EncodedString())
        let headerLine = encode(header)
        let key = try PassphraseKey.derive(passphrase: passphrase, salt: salt, parameters: parameters)
        let sealedBox: Data
        do {
            // `combined` is nil only for nonces other than the default 12 bytes used here.
            sealedBox = try AES.GCM.seal(encode(plaintext), using: key, authenticating: headerLine).combined!
        } catch {
            throw .cryptographyFailed(reason: "\(error)")
        }
        return Array(headerLine + Data("\n".utf8) + Data((sealedBox.base64EncodedString() + "\n").utf8))
    }

    /// Decrypts the sealed file at `path` and writes its key pair into `home`'s keys/ (folder
    /// 0700, files 0600). Nothing is written unless the passphrase opens the file and the key
    /// pair inside is whole; existing keys are replaced only with `force`.
    ///
    /// Throws `.passphraseTooShort`, `.keyFiles(.alreadyExists)`, `.missing`, `.notSealedKeys`,
    /// `.unsupportedVersion`, `.wrongPassphrase`, `.fileSystem`.
    public static func restore(
        from path: String, passphrase: String, into home: HomeLayout, force: Bool
    ) throws(SealedKeysError) {
        try PassphraseKey.checkLength(of: passphrase)
        // Refused before the costly derivation: the answer does not depend on the passphrase.
        guard force || !home.hasIdentity else { throw .keyFiles(.alreadyExists(path: home.privateKeyFile)) }
        let identity = try open(try fileBytes(path), source: path, passphrase: passphrase)
        do {
            try KeyFiles.write(identity, to: home, force: force)
        } catch let error as KeyFileError {
            throw .keyFiles(error)
        } catch let error as HomeError {
            throw .fileSystem(error)
        } catch {
            throw .fileSystem(.fileSystem(action: "write", path: home.privateKeyFile, errno: EIO))
        }
    }

    /// The key pair sealed in `bytes` (a sealed keys file's content), checked to be whole;
    /// errors name `source`, the file or replica object the bytes came from.
    ///
    /// Throws `.passphraseTooShort`, `.notSealedKeys`, `.unsupportedVersion`, `.wrongPassphrase`.
    public static func open(_ bytes: [UInt8], source path: String, passphrase: String) throws(SealedKeysError) -> SigningIdentity {
        try PassphraseKey.checkLength(of: passphrase)
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count >= 2, let headerLine = lines.first else {
            throw .notSealedKeys(path: path, reason: "it has no header line")
        }
        let headerData = Data(headerLine)
        guard let probe = try? JSONDecoder().decode(VersionProbe.self, from: headerData), probe.format == formatName
        else { throw .notSealedKeys(path: path, reason: "its first line is not a sealed keys header") }
        guard probe.version == formatVersion else { throw .unsupportedVersion(path: path, version: probe.version) }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData), header.kdf == "scrypt" else {
            throw .notSealedKeys(path: path, reason: "its header does not name scrypt parameters")
        }
        let parameters = PassphraseKey.Parameters(n: header.n, r: header.r, p: header.p)
        guard parameters.isAcceptable else {
            throw .notSealedKeys(
                path: path, reason: "scrypt parameters n=\(header.n) r=\(header.r) p=\(header.p) are out of range")
        }
        guard let salt = Data(base64Encoded: header.salt), salt.count == PassphraseKey.saltBytes else {
            throw .notSealedKeys(path: path, reason: "its salt is not \(PassphraseKey.saltBytes) bytes of base64")
        }
        guard let combined = Data(base64Encoded: Data(lines[1])),
            let box = try? AES.GCM.SealedBox(combined: combined)
        else { throw .notSealedKeys(path: path, reason: "its second line is not an AES-GCM box in base64") }
        let key = try PassphraseKey.derive(passphrase: passphrase, salt: Array(salt), parameters: parameters)
        guard let plaintext = try? AES.GCM.open(box, using: key, authenticating: headerData) else {
            throw .wrongPassphrase(path: path)
        }
        return try identity(in: plaintext, path: path)
    }

    /// The key pair from the decrypted file texts; the public key must be the private key's.
    private static func identity(in plaintext: Data, path: String) throws(SealedKeysError) -> SigningIdentity {
        guard let files = try? JSONDecoder().decode(Plaintext.self, from: plaintext) else {
            throw .notSealedKeys(path: path, reason: "its sealed content is not the two key files")
        }
        let privateText = files.privateKey.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: privateText), raw.count == 32,
            let identity = try? SigningIdentity(rawPrivateKey: raw)
        else { throw .notSealedKeys(path: path, reason: "its sealed private key is not 32 bytes of base64") }
        guard files.publicKey.trimmingCharacters(in: .whitespacesAndNewlines) == identity.didKey.description else {
            throw .notSealedKeys(path: path, reason: "its sealed public key does not belong to its private key")
        }
        return identity
    }

    /// The bytes of a small file; a sealed keys file or a key file is never larger than 64 KiB.
    private static func fileBytes(_ path: String) throws(SealedKeysError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw .missing(path: path) }
            throw .fileSystem(.fileSystem(action: "read", path: path, errno: errno))
        }
        guard info.st_size <= maximumFileBytes else {
            throw .notSealedKeys(path: path, reason: "it is \(info.st_size) bytes, far larger than sealed keys")
        }
        let file: (bytes: [UInt8], mode: mode_t)?
        do {
            file = try PrivateFiles.contents(of: path)
        } catch {
            throw .fileSystem(error)
        }
        guard let file else { throw .missing(path: path) }
        return file.bytes
    }

    /// JSON with sorted keys; encoding structs of strings and integers cannot fail.
    private static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(value)
    }
}
