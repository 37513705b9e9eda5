import Hummingbird
import NIOCore
import SyncropelKit

/// A request body read and parsed as JSON, with the checks of SPEC 7.1 and 11.
struct JSONRequestBody {
    let value: JSONValue
    let byteCount: Int

    /// Refuses a non-JSON content type (415), more than 8 MiB (413), a body cut short and
    /// text that is not a JSON object (400).
    static func read(_ request: Request, context: InstanceRequestContext) async throws -> JSONRequestBody {
        if let contentType = request.headers[.contentType], !isJSON(contentType) {
            throw APIError(.unsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json, not \(contentType)")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge
        } catch {
            // The client ended the body early: the connection closed before its
            // Content-Length, or a chunked body stopped mid-chunk.
            throw APIError(.badRequest, "INVALID_JSON", "the request body ended before it was complete (\(error))")
        }
        let value: JSONValue
        do {
            value = try buffer.withUnsafeReadableBytes { try JSONParser.parse($0) }
        } catch let error as JSONParseError {
            throw APIError(.badRequest, "INVALID_JSON", error.description)
        }
        guard case .object = value else {
            throw APIError(.badRequest, "INVALID_JSON", "the body must be a JSON object")
        }
        return JSONRequestBody(value: value, byteCount: buffer.readableBytes)
    }

    private static func isJSON(_ contentType: String) -> Bool {
        // What clients send, compared as bytes: the general case below walks Characters and
        // was 2.4 % of the daemon's samples under single-record ingest.
        if contentType.utf8.elementsEqual("application/json".utf8) { return true }
        // `prefix(while:)`, not `split(...)[0]`: a value of only ";" splits into nothing. Trimmed
        // by hand: Foundation's trimmingCharacters bridges to NSString on every request.
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let mediaType = contentType.prefix { $0 != ";" }.drop(while: isBlank).reversed().drop(while: isBlank).reversed()
        let lowered = String(mediaType).lowercased()
        return lowered == "application/json" || lowered.hasSuffix("+json")
    }
}

extension JSONRequestBody {
    /// The body as an object with only `fields`, or an empty object when there is no body;
    /// `shape` is what the refusal of an unknown field shows.
    static func readOptionalObject(
        _ request: Request, context: InstanceRequestContext, fields: Set<String>, shape: String
    ) async throws -> JSONObject {
        let hasBody = request.headers[.contentLength].map { $0 != "0" } ?? (request.headers[.transferEncoding] != nil)
        guard hasBody else { return JSONObject() }
        // `read` refuses anything but an object.
        let object = try await read(request, context: context).value.objectValue ?? JSONObject()
        if let unknown = object.members.first(where: { !fields.contains($0.key) }) {
            throw APIError.invalidField(unknown.key, "unknown field \(unknown.key); the body is \(shape)")
        }
        return object
    }
}
