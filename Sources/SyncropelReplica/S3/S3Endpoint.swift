/// The S3 server's base URL, `http(s)://host[:port]`: AWS's regional endpoint by default,
/// or an S3-compatible server (MinIO, Ceph, moto) named by `endpoint` in config.toml.
public struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    public let scheme: String
    /// A DNS name, an IPv4 address, or an IPv6 address in brackets.
    public let host: String
    public let port: Int?

    /// `https://s3.<region>.amazonaws.com`.
    public static func aws(region: String) -> S3Endpoint {
        S3Endpoint(scheme: "https", host: "s3.\(region).amazonaws.com", port: nil)
    }

    private init(scheme: String, host: String, port: Int?) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses `http://127.0.0.1:9000` or `https://s3.example.net`; one trailing `/` is allowed,
    /// a path, query, user or password is not.
    public init(url: String) throws(S3ConfigurationError) {
        let scheme: String
        if url.hasPrefix("http://") {
            scheme = "http"
        } else if url.hasPrefix("https://") {
            scheme = "https"
        } else {
            throw .badEndpoint(url: url, rule: "it must start with http:// or https://")
        }
        var authority = url.dropFirst(scheme.count + 3)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.contains("@") else { throw .credentialsInEndpoint }
        guard !authority.contains("/"), !authority.contains("?"), !authority.contains("#") else {
            throw .badEndpoint(url: url, rule: "it has a path, query or fragment; give only scheme, host and port")
        }
        var host = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .badEndpoint(url: url, rule: "its IPv6 address has no closing ']'")
            }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badEndpoint(url: url, rule: "text follows its IPv6 address") }
                portText = after.dropFirst()
            }
            guard host.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .badEndpoint(url: url, rule: "its IPv6 address has characters other than hex digits, ':' and '.'")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard host.count > (host.hasPrefix("[") ? 2 : 0) else { throw .badEndpoint(url: url, rule: "it has no host") }
        if !host.hasPrefix("[") {
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                throw .badEndpoint(url: url, rule: "its host has characters other than letters, digits, '.' and '-'")
            }
        }
        var port: Int?
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number), portText.allSatisfy(\.isNumber) else {
                throw .badEndpoint(url: url, rule: "its port is not a number from 1 to 65535")
            }
            port = number
        }
        self.init(scheme: scheme, host: String(host), port: port)
    }

    /// True for an IPv4 or IPv6 literal, which cannot carry a bucket as a sub-domain.
    var isIPAddress: Bool {
        host.hasPrefix("[") || host.allSatisfy { $0.isNumber || $0 == "." }
    }

    public var description: String {
        port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }
}
