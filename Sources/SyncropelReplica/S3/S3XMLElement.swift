import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An S3 XML response read into a small tree: element names, their text and children.
///
/// The bytes come from a server we do not control, so a document type declaration (the door to
/// entity expansion and external entities) is refused before parsing; S3 never sends one.
struct S3XMLElement: Sendable, Equatable {
    var name: String
    var text = ""
    var children: [S3XMLElement] = []

    /// The text of the first child named `name`, or nil.
    func childText(_ name: String) -> String? {
        children.first { $0.name == name }?.text
    }

    /// Why bytes are not an XML document we read.
    enum ParseError: Error, Equatable {
        case documentType
        case malformed(line: Int, column: Int)
    }

    /// The root element of `bytes`.
    static func parse(_ bytes: [UInt8]) throws(ParseError) -> S3XMLElement {
        guard bytes.firstRange(of: Array("<!DOCTYPE".utf8)) == nil, bytes.firstRange(of: Array("<!ENTITY".utf8)) == nil
        else { throw .documentType }
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw .malformed(line: parser.lineNumber, column: parser.columnNumber)
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var open: [S3XMLElement] = []
        var root: S3XMLElement?

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            open.append(S3XMLElement(name: name))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !open.isEmpty else { return }
            open[open.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard let element = open.popLast() else { return }
            if open.isEmpty {
                root = element
            } else {
                open[open.count - 1].children.append(element)
            }
        }
    }
}
