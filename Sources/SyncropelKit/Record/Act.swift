/// What a record does: the four coordination acts and the four effect acts.
public enum Act: String, Sendable, CaseIterable, Codable {
    case intend = "INTEND"
    case `do` = "DO"
    case know = "KNOW"
    case learn = "LEARN"
    case get = "GET"
    case put = "PUT"
    case call = "CALL"
    case map = "MAP"
}

/// How a record's body is to be read.
public enum DataType: String, Sendable, CaseIterable, Codable {
    case scalar = "SCALAR"
    case formula = "FORMULA"
    case distribution = "DISTRIBUTION"
    case reference = "REFERENCE"
    case morphism = "MORPHISM"
    case void = "VOID"
}
