import Crypto
import _CryptoExtras

/// The 256-bit key `SPL_BACKUP_PASSPHRASE` stands for: scrypt(passphrase, salt, N, r, p) → 32
/// bytes. Sealed keys (`SealedKeys`) and encrypted replica objects derive it the same way, so one
/// passphrase opens both and a file states its own cost and salt.
///
/// ```swift
/// let key = try PassphraseKey.derive(passphrase: phrase, salt: PassphraseKey.randomSalt(), parameters: .standard)
/// ```
public enum PassphraseKey {
    public static let minimumPassphraseLength = 12
    public static let saltBytes = 16

    /// scrypt's cost, stored beside each salt so a later spl can raise the default and still read old files.
    public struct Parameters: Sendable, Hashable {
        public var n: Int
        public var r: Int
        public var p: Int

        public init(n: Int, r: Int, p: Int) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// 32 MiB and a fraction of a second: costly for a guesser, cheap for a key derived once.
        public static let standard = Parameters(n: 1 << 15, r: 8, p: 1)

        /// scrypt allocates 128·N·r·p bytes; a file asking for more than this is not one we wrote.
        static let maximumMemoryBytes = 256 << 20

        public var isAcceptable: Bool {
            n >= 2 && n & (n - 1) == 0 && r >= 1 && p >= 1 && r <= 64 && p <= 64
                && n <= Parameters.maximumMemoryBytes / (128 * r * p)
        }
    }

    /// Throws `.passphraseTooShort` for fewer than `minimumPassphraseLength` characters.
    public static func checkLength(of passphrase: String) throws(SealedKeysError) {
        guard passphrase.count >= minimumPassphraseLength else {
            throw .passphraseTooShort(characters: passphrase.count)
        }
    }

    public static func randomSalt() -> [UInt8] {
        (0..<saltBytes).map { _ in UInt8.random(in: 0...255) }
    }

    /// Throws `.cryptographyFailed` when scrypt cannot run (in practice: cannot allocate its memory).
    public static func derive(
        passphrase: String, salt: [UInt8], parameters: Parameters
    ) throws(SealedKeysError) -> SymmetricKey {
        do {
            return try KDF.Scrypt.deriveKey(
                from: Array(passphrase.utf8), salt: salt, outputByteCount: 32,
                rounds: parameters.n, blockSize: parameters.r, parallelism: parameters.p)
        } catch {
            throw .cryptographyFailed(reason: "scrypt: \(error)")
        }
    }
}
