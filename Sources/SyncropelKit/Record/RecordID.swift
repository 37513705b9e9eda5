import Crypto

/// The content address of a record: 64 lowercase hex characters of SHA-256
/// over the canonical JSON of its seven hashed fields.
public struct RecordID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let hex: String

    /// Accepts exactly 64 lowercase hex characters.
    public init?(hex: String) {
        guard RecordID.isValid(hex) else { return nil }
        self.hex = hex
    }

    init(digest: some Sequence<UInt8>) {
        hex = Hex.encode(digest)
    }

    /// The id of canonical bytes: SHA-256 over them.
    public init(hashing canonical: UnsafeBufferPointer<UInt8>) {
        self.init(digest: SHA256.hash(data: canonical))
    }

    /// Whether `hex` (the text of a stored id) is the id of `canonical`, compared without
    /// making either as a string.
    public static func hex(_ hex: UnsafeBufferPointer<UInt8>, isIDOf canonical: UnsafeBufferPointer<UInt8>) -> Bool {
        guard hex.count == 64 else { return false }
        return SHA256.hash(data: canonical).withUnsafeBytes { digest in
            for index in 0..<32 where hex[2 * index] != Hex.digit(digest[index] >> 4) || hex[2 * index + 1] != Hex.digit(digest[index] & 0x0F) {
                return false
            }
            return true
        }
    }

    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(Hex.isDigit)
    }

    public var description: String { hex }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RecordID(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a record id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// Lowercase hexadecimal, the one text form for digests in this protocol.
public enum Hex {
    /// The lowercase hex digit of a nibble (0...15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digit(byte >> 4))
            out.append(digit(byte & 0x0F))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
