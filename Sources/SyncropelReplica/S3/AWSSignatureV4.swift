import Crypto
import Foundation

/// AWS Signature Version 4 for S3 requests: the canonical request, the string to sign, the
/// signing key (an HMAC-SHA256 chain from the secret) and the headers that carry the result.
///
/// Pure: the date is an argument, so a request signs the same way twice and tests compare
/// against botocore's `S3SigV4Auth` byte for byte. The secret only feeds the HMAC chain; it
/// is in no header and no returned value.
///
/// ```swift
/// let signer = AWSSignatureV4(credentials: credentials, region: "eu-west-1")
/// let added = signer.sign(request, at: Date())  // x-amz-date, x-amz-content-sha256, authorization
/// ```
package struct AWSSignatureV4: Sendable {
    package let credentials: S3Credentials
    package let region: String
    package let service: String

    package init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// One HTTP request as it will be sent, before signing.
    package struct Request: Sendable {
        package var method: String
        /// `http` or `https`; decides which port is the default one left out of `host`.
        package var scheme: String
        /// The host as in the URL (a bracketed literal for IPv6).
        package var host: String
        package var port: Int?
        /// The path before percent-encoding, starting with `/`: S3 keys are signed encoded
        /// once, never normalised (S3 keys may hold `//` or `.`).
        package var path: String
        /// Query parameters before percent-encoding; repeats and empty values allowed.
        package var query: [Field]
        /// Headers to send and sign, beside the ones `sign` adds.
        package var headers: [Field]
        /// Hex SHA-256 of the body (also for an empty body).
        package var payloadSHA256: String

        package init(
            method: String, scheme: String, host: String, port: Int?, path: String,
            query: [Field] = [], headers: [Field] = [], payloadSHA256: String
        ) {
            self.method = method
            self.scheme = scheme
            self.host = host
            self.port = port
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadSHA256 = payloadSHA256
        }

        /// The Host header: lower case, with the port unless it is the scheme's default.
        package var hostHeader: String {
            let lowered = host.lowercased()
            guard let port, port != (scheme.lowercased() == "https" ? 443 : 80) else { return lowered }
            return "\(lowered):\(port)"
        }

        /// The encoded path and query, as they go on the request line.
        package var target: String {
            let path = AWSSignatureV4.uriEncode(path, keepingSlashes: true)
            let query = AWSSignatureV4.canonicalQuery(query)
            return query.isEmpty ? path : path + "?" + query
        }
    }

    /// A name and value of a header or query parameter, in the order given.
    package struct Field: Sendable, Equatable {
        package var name: String
        package var value: String

        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Every header to send with `request`: its own, then `Host`, `X-Amz-Date`,
    /// `X-Amz-Content-SHA256`, `X-Amz-Security-Token` with a session token, and `Authorization`.
    package func sign(_ request: Request, at date: Date) -> [Field] {
        let parts = signingParts(request, at: date)
        let signature = HMAC<SHA256>.authenticationCode(
            for: Data(parts.stringToSign.utf8), using: signingKey(day: parts.day))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(parts.scope), "
            + "SignedHeaders=\(parts.signedHeaders), Signature=\(Self.hex(signature))"
        return parts.headers + [Field("Authorization", authorization)]
    }

    /// What the signature covers; separate from `sign` so a test can show each step.
    package struct SigningParts: Sendable {
        package let canonicalRequest: String
        package let stringToSign: String
        package let signedHeaders: String
        package let scope: String
        package let day: String
        /// The headers to send, but for Authorization.
        package let headers: [Field]
    }

    package func signingParts(_ request: Request, at date: Date) -> SigningParts {
        let timestamp = Self.timestamp(date)
        let day = String(timestamp.prefix(8))
        var added = [Field("X-Amz-Date", timestamp), Field("X-Amz-Content-SHA256", request.payloadSHA256)]
        if let token = credentials.sessionToken {
            added.append(Field("X-Amz-Security-Token", token))
        }
        // Lower-cased name → trimmed values in the order given, joined by "," as SigV4 says.
        // The signer owns Host, Authorization and the headers it adds: a caller's are ignored.
        var signed: [String: [String]] = ["host": [request.hostHeader]]
        let owned = Set(["host", "authorization"] + added.map { $0.name.lowercased() })
        let headers = request.headers.filter { !owned.contains($0.name.lowercased()) } + added
        for field in headers {
            let name = field.name.lowercased()
            guard !Self.unsignedHeaders.contains(name) else { continue }
            signed[name, default: []].append(Self.trimAll(field.value))
        }
        let names = signed.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(signed[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            request.method.uppercased(),
            Self.uriEncode(request.path, keepingSlashes: true),
            Self.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            request.payloadSHA256,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", timestamp, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        return SigningParts(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders,
            scope: scope, day: day, headers: [Field("Host", request.hostHeader)] + headers)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for step in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(step.utf8), using: key))
        }
        return key
    }

    /// Headers a proxy or the HTTP stack may add, drop or rewrite, so signing them would break
    /// the request on the way; botocore leaves the same ones out.
    static let unsignedHeaders: Set<String> = [
        "baggage", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "traceparent", "tracestate", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// Sorted by encoded name, then encoded value; `name=value` joined by `&`.
    static func canonicalQuery(_ query: [Field]) -> String {
        let encoded: [(name: String, value: String)] = query.map { field in
            (uriEncode(field.name, keepingSlashes: false), uriEncode(field.value, keepingSlashes: false))
        }
        let sorted = encoded.sorted { (left, right) -> Bool in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of the UTF-8 bytes: only `A-Z a-z 0-9 - _ . ~` (and `/` in a
    /// path) stay as they are, hex in upper case.
    package static func uriEncode(_ text: String, keepingSlashes: Bool) -> String {
        var encoded = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepingSlashes && byte == UInt8(ascii: "/")) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }

    private static let unreserved = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))

    /// Leading and trailing whitespace removed and every inner run of it made one space.
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: asciiWhitespace.contains).joined(separator: " ")
    }

    private static let asciiWhitespace: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]

    /// `20261205T071523Z`, in UTC.
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { String(value).leftPadded(to: 2) }
        return String(parts.tm_year + 1900).leftPadded(to: 4) + two(parts.tm_mon + 1) + two(parts.tm_mday)
            + "T" + two(parts.tm_hour) + two(parts.tm_min) + two(parts.tm_sec) + "Z"
    }

    /// The hex SHA-256 of a body, as `x-amz-content-sha256` carries it.
    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
