import Hummingbird

/// Refuses, on the TCP listener, what only a browser sends on another site's behalf.
///
/// A page on any site can make a browser send a request to 127.0.0.1, and DNS rebinding
/// lets it read the answer: a form post or a fetch would then write records as the
/// operator's machine. Both show in the headers the browser sets: a rebound request names
/// the attacker's domain in `Host`, and a cross-site write carries that site's `Origin`.
/// So a TCP request must name this daemon in `Host` (an IP address or `localhost`, or the
/// configured host, and the bound port if a port is given), and a write with an `Origin`
/// must come from an origin `[server] allowed_origins` lists. Clients that are not
/// browsers (the SDK, curl) send no `Origin`; the unix socket is not reachable from a page.
struct BrowserRequestGuard: RouterMiddleware {
    typealias Context = InstanceRequestContext

    /// The configured `[server] host` and the bound port.
    let host: String
    let port: Int
    let allowedOrigins: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !context.viaUnixSocket else { return try await next(request, context) }
        let named = request.head.authority ?? ""
        guard isThisDaemon(named) else {
            throw APIError(
                .forbidden, "HOST_NOT_ALLOWED",
                "Host \(named.isEmpty ? "(none)" : named) does not name this daemon; send requests to http://127.0.0.1:\(port)")
        }
        if let origin = request.headers[.origin], !Self.safeMethods.contains(request.method), !allowedOrigins.contains(origin) {
            throw APIError(
                .forbidden, "ORIGIN_NOT_ALLOWED",
                "a write from the web page at \(origin) is refused; list the origin in [server] allowed_origins of config.toml to allow it")
        }
        return try await next(request, context)
    }

    private static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]

    /// `name[:port]`: an IP address, `localhost` or the configured host; the port, if any, ours.
    func isThisDaemon(_ authority: String) -> Bool {
        let (name, givenPort) = Self.split(authority)
        if let givenPort, givenPort != port { return false }
        let lowered = name.lowercased()
        return lowered == "localhost" || lowered == host.lowercased() || Self.isIPAddress(lowered)
    }

    /// `[::1]:9100` → ("::1", 9100); `127.0.0.1` → ("127.0.0.1", nil).
    private static func split(_ authority: String) -> (String, Int?) {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let name = String(authority[authority.index(after: authority.startIndex)..<close])
            let rest = authority[authority.index(after: close)...]
            return (name, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? -1 : nil)
        }
        guard let colon = authority.lastIndex(of: ":") else { return (authority, nil) }
        return (String(authority[..<colon]), Int(authority[authority.index(after: colon)...]) ?? -1)
    }

    private static func isIPAddress(_ name: String) -> Bool {
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) { return true }
        return name.contains(":") && name.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
