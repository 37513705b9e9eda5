/// A JSON object that a saved fold keeps as JSON text.
///
/// `JSONEncoder` would turn `1.0` into `1` and cannot hold integers beyond
/// 64 bits; the text keeps every value and the member order exactly.
struct SavedJSONObject: Sendable, Equatable, Codable {
    let object: JSONObject

    init(_ object: JSONObject) {
        self.object = object
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        let value: JSONValue
        do {
            value = try JSONParser.parse(text.utf8)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "saved body: \(error)")
        }
        guard case .object(let object) = value else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "saved body is not a JSON object")
        }
        self.object = object
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(JSONValue.object(object).serialized())
    }
}
