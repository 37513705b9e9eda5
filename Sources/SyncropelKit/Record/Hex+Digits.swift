extension Hex {
    /// `0-9` or `a-f`: the digits lowercase hex text may hold.
    static func isDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// The bytes of lowercase hex text; nil for an odd length or any other character.
    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0, utf8.allSatisfy(isDigit) else { return nil }
        func value(_ digit: UInt8) -> UInt8 { digit <= 0x39 ? digit - 0x30 : digit - 0x61 + 10 }
        return stride(from: 0, to: utf8.count, by: 2).map { value(utf8[$0]) << 4 | value(utf8[$0 + 1]) }
    }
}
