extension JSONValue {
    /// Compact JSON text with object members in their stored order, for
    /// printing and API responses; record ids use `CanonicalJSON` instead.
    ///
    /// Matches Python's `json.dumps(value, separators=(",", ":"), ensure_ascii=False)`:
    /// doubles keep their type (`1.0`, `1e+16`). NaN and ±Infinity, which
    /// the parser never produces, are written as `null` so the output stays JSON.
    public func serialized() -> String {
        var writer = JSONTextWriter(reservingCapacity: 256)
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private func write(to writer: inout JSONTextWriter) {
        switch self {
        case .null:
            writer.append("null")
        case .bool(let flag):
            writer.append(flag ? "true" : "false")
        case .integer(let integer):
            writer.appendInteger(integer)
        case .double(let number):
            if number.isFinite {
                writer.appendPythonRepr(number)
            } else {
                writer.append("null")
            }
        case .string(let string):
            writer.appendString(string)
        case .array(let elements):
            writer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.append(UInt8(ascii: ",")) }
                element.write(to: &writer)
            }
            writer.append(UInt8(ascii: "]"))
        case .object(let object):
            writer.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { writer.append(UInt8(ascii: ",")) }
                writer.appendString(member.key)
                writer.append(UInt8(ascii: ":"))
                member.value.write(to: &writer)
            }
            writer.append(UInt8(ascii: "}"))
        }
    }
}
