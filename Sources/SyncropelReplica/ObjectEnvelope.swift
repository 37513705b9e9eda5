import Crypto
import Foundation
import SyncropelHome
import SyncropelKit

/// The byte format of an encrypted replica object (`encryption = "passphrase"`, docs/REPLICATION.md):
/// a header line in the clear, then one AES-256-GCM box.
///
/// ```text
/// {"check":"<32 hex>","format":"spl-replica-encrypted","kdf":"scrypt","n":32768,"p":1,"r":8,"salt":"<base64, 16 bytes>","version":1}\n
/// <12-byte nonce ‖ ciphertext ‖ 16-byte tag>
/// ```
///
/// The key is scrypt(SPL_BACKUP_PASSPHRASE, salt, n, r, p), derived as `SealedKeys` derives its
/// key. `check` is the first 16 bytes of HMAC-SHA256(key, "spl-replica-key-check"), so a wrong
/// passphrase is told apart from a changed object. The authenticated data is the header line
/// (without its newline), a newline and the object's key: a box moved under another name fails
/// its tag like an altered one.
enum ObjectEnvelope {
    static let format = "spl-replica-encrypted"
    static let version = 1
    /// A header is about 160 bytes; a first line longer than this is not one.
    static let maximumHeaderBytes = 1024
    private static let nonceAndTagBytes = 12 + 16

    /// A key derived from the passphrase, and the header line every object sealed with it carries.
    struct Key: Sendable {
        let symmetric: SymmetricKey
        let check: String
        let headerLine: [UInt8]

        init(passphrase: String, salt: [UInt8], parameters: PassphraseKey.Parameters) throws(SealedKeysError) {
            symmetric = try PassphraseKey.derive(passphrase: passphrase, salt: salt, parameters: parameters)
            check = Key.check(for: symmetric)
            let header: JSONValue = .object(JSONObject([
                "format": .string(ObjectEnvelope.format), "version": .integer(JSONInteger(Int64(ObjectEnvelope.version))),
                "kdf": "scrypt", "n": .integer(JSONInteger(Int64(parameters.n))), "r": .integer(JSONInteger(Int64(parameters.r))),
                "p": .integer(JSONInteger(Int64(parameters.p))), "salt": .string(Data(salt).base64EncodedString()),
                "check": .string(check),
            ]))
            // Strings and small integers always encode.
            headerLine = (try? CanonicalJSON.encode(header)) ?? []
        }

        static func check(for key: SymmetricKey) -> String {
            Hex.encode(HMAC<SHA256>.authenticationCode(for: Array("spl-replica-key-check".utf8), using: key).prefix(16))
        }
    }

    /// What the clear header of an envelope says.
    struct Header: Sendable {
        let salt: [UInt8]
        let parameters: PassphraseKey.Parameters
        let check: String
        let line: ArraySlice<UInt8>
        let box: ArraySlice<UInt8>
    }

    static func seal(_ plaintext: [UInt8], as objectKey: ReplicaKey, with key: Key) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: key.symmetric, authenticating: authenticatedData(key.headerLine, objectKey))
        // `combined` is nil only for nonces other than the default 12 bytes used here.
        return key.headerLine + [UInt8(ascii: "\n")] + Array(box.combined!)
    }

    /// The envelope's header, or nil when `bytes` is not an envelope (a plain object).
    static func header(of bytes: [UInt8], key: ReplicaKey) throws(ReplicaError) -> Header? {
        guard let end = bytes.prefix(maximumHeaderBytes).firstIndex(of: UInt8(ascii: "\n")),
            case .object(let object)? = try? JSONParser.parse(bytes[..<end]), object["format"]?.stringValue == format
        else { return nil }
        func unreadable(_ reason: String) -> ReplicaError { .unreadableObject(key: key, reason: reason) }
        guard let found = object["version"]?.int64Value, found == version else {
            throw unreadable("its envelope version is not \(version); read it with the spl that wrote it or a newer one")
        }
        guard object["kdf"]?.stringValue == "scrypt", let n = object["n"]?.int64Value, let r = object["r"]?.int64Value,
            let p = object["p"]?.int64Value, [n, r, p].allSatisfy({ (1...(1 << 30)).contains($0) }),
            case let parameters = PassphraseKey.Parameters(n: Int(n), r: Int(r), p: Int(p)), parameters.isAcceptable
        else { throw unreadable("its envelope's scrypt parameters are missing or out of range") }
        guard let text = object["salt"]?.stringValue, let salt = Data(base64Encoded: text), salt.count == PassphraseKey.saltBytes else {
            throw unreadable("its envelope's salt is not \(PassphraseKey.saltBytes) bytes of base64")
        }
        guard let check = object["check"]?.stringValue, check.utf8.count == 32,
            check.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw unreadable("its envelope's check is not 32 hex digits") }
        return Header(salt: Array(salt), parameters: parameters, check: check, line: bytes[..<end], box: bytes[(end + 1)...])
    }

    /// The plaintext of an envelope whose key `header` names.
    static func open(_ header: Header, as objectKey: ReplicaKey, with key: Key) throws(ReplicaError) -> [UInt8] {
        guard key.check == header.check else { throw .wrongPassphrase(key: objectKey) }
        guard header.box.count >= nonceAndTagBytes, let box = try? AES.GCM.SealedBox(combined: header.box),
            let plaintext = try? AES.GCM.open(box, using: key.symmetric, authenticating: authenticatedData(Array(header.line), objectKey))
        else { throw .tamperedObject(key: objectKey) }
        return Array(plaintext)
    }

    private static func authenticatedData(_ headerLine: [UInt8], _ objectKey: ReplicaKey) -> [UInt8] {
        headerLine + [UInt8(ascii: "\n")] + Array(objectKey.rawValue.utf8)
    }
}
