/// A string that compares, hashes and sorts by its UTF-8 bytes.
///
/// Swift's `String` treats canonically equivalent text as equal (`"é"` and
/// `"e\u{301}"`), but the protocol hashes bytes and never normalises, so two
/// such actors or names are different things: folds key their tables with this.
struct ExactString: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.codePointCompare(rhs.value) == 0
    }

    func hash(into hasher: inout Hasher) {
        for byte in value.utf8 { hasher.combine(byte) }
    }

    /// Code point order, the order canonical JSON sorts keys in.
    static func < (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.codePointCompare(rhs.value) < 0
    }

    init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    var description: String { value }
}
