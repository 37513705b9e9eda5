/// One page of an S3 ListObjectsV2 answer: its objects' keys and sizes, and whether more
/// pages follow. Keys here are S3 object keys, not yet checked as `ReplicaKey`s.
struct ListObjectsV2Page: Sendable, Equatable {
    struct Object: Sendable, Equatable {
        let key: String
        let size: Int
    }

    var objects: [Object]
    var isTruncated: Bool
    var nextContinuationToken: String?

    static func parse(_ bytes: [UInt8]) throws(S3ListingProblem) -> ListObjectsV2Page {
        let root: S3XMLElement
        do {
            root = try S3XMLElement.parse(bytes)
        } catch {
            switch error {
            case .documentType: throw .documentType
            case let .malformed(line, column): throw .notXML(line: line, column: column)
            }
        }
        guard root.name == "ListBucketResult" else { throw .wrongRoot(root.name) }
        var objects: [Object] = []
        for (index, element) in root.children.filter({ $0.name == "Contents" }).enumerated() {
            guard let key = element.childText("Key") else { throw .objectWithoutKey(index: index) }
            guard let sizeText = element.childText("Size"), let size = Int(sizeText), size >= 0 else {
                throw .badSize(key: key)
            }
            objects.append(Object(key: key, size: size))
        }
        let isTruncated: Bool
        switch root.childText("IsTruncated") {
        case "true": isTruncated = true
        case "false", nil: isTruncated = false
        default: throw .badTruncatedFlag
        }
        let token = root.childText("NextContinuationToken")
        guard !isTruncated || !(token ?? "").isEmpty else { throw .truncatedWithoutToken }
        return ListObjectsV2Page(objects: objects, isTruncated: isTruncated, nextContinuationToken: isTruncated ? token : nil)
    }
}

/// Why a page of an S3 listing cannot be used; the reason part of `S3ObjectStoreError.badListing`.
public enum S3ListingProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case notXML(line: Int, column: Int)
    case documentType
    case wrongRoot(String)
    case objectWithoutKey(index: Int)
    case badSize(key: String)
    case badTruncatedFlag
    case truncatedWithoutToken
    case repeatedToken
    case outOfOrder(key: String)

    public var description: String {
        switch self {
        case let .notXML(line, column): "it is not well-formed XML (line \(line), column \(column))"
        case .documentType: "it declares a document type, which S3 never sends"
        case .wrongRoot(let name): "its root element is \(S3ObjectStoreError.quoted(name)), not ListBucketResult"
        case .objectWithoutKey(let index): "object \(index) of the page has no Key"
        case .badSize(let key): "object \(S3ObjectStoreError.quoted(key)) has no Size or one that is not a byte count"
        case .badTruncatedFlag: "IsTruncated is not true or false"
        case .truncatedWithoutToken: "IsTruncated is true but NextContinuationToken is missing or empty"
        case .repeatedToken: "NextContinuationToken repeats an earlier one, so the listing would never end"
        case .outOfOrder(let key): "object \(S3ObjectStoreError.quoted(key)) is not after the key before it"
        }
    }
}
