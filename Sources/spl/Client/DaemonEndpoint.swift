import Foundation
import SyncropelHome

/// Where the CLI reaches its daemon: the home's unix socket, or, with `SPL_SERVE_URL`, a
/// daemon over TCP (`http://` or `https://`), with a bearer token and for HTTPS an optional
/// CA file (`SPL_CA_FILE`) to trust beside the system's roots.
///
/// The token is the first of `--token`, `SPL_TOKEN` and `<home>/token`; the file must be
/// 0600, like a key, and is refused with the chmod to run otherwise.
enum DaemonEndpoint: Sendable, Equatable {
    case socket(path: String)
    case remote(baseURL: String, token: String?, caFile: String?)

    static func resolve(home: HomeLayout, environment: [String: String], tokenFlag: String?) throws(DaemonEndpointError) -> DaemonEndpoint {
        guard let url = environment["SPL_SERVE_URL"], !url.isEmpty else { return .socket(path: home.socketFile) }
        let baseURL = try checkedBaseURL(url)
        let caFile = environment["SPL_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if caFile != nil, !baseURL.hasPrefix("https://") { throw .caFileWithoutHTTPS(url: baseURL) }
        return .remote(baseURL: baseURL, token: try token(home: home, environment: environment, flag: tokenFlag), caFile: caFile)
    }

    /// `scheme://host[:port]`, a trailing slash dropped; anything else (a path, a query, user
    /// info, another scheme) is refused rather than guessed at.
    private static func checkedBaseURL(_ text: String) throws(DaemonEndpointError) -> String {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.path.isEmpty, components.query == nil, components.fragment == nil, components.user == nil
        else { throw .invalidURL(text) }
        return trimmed
    }

    private static func token(home: HomeLayout, environment: [String: String], flag: String?) throws(DaemonEndpointError) -> String? {
        try presentedToken(home: home, environment: environment, flag: flag)?.token
    }

    /// The token the CLI sends over TCP and where it came from: `--token`, `SPL_TOKEN` or the
    /// token file's path, the first that is set (what `spl token show-source` reports).
    static func presentedToken(
        home: HomeLayout, environment: [String: String], flag: String?
    ) throws(DaemonEndpointError) -> (token: String, source: String)? {
        if let flag { return try (checkedToken(flag, source: "--token"), "--token") }
        if let variable = environment["SPL_TOKEN"], !variable.isEmpty {
            return try (checkedToken(variable, source: "SPL_TOKEN"), "SPL_TOKEN")
        }
        let file: (bytes: [UInt8], mode: mode_t)?
        do {
            file = try PrivateFiles.contents(of: home.tokenFile)
        } catch {
            throw .tokenFileUnreadable(error)
        }
        guard let file else { return nil }
        guard !FileMode.isOpenToOthers(file.mode) else { throw .tokenFileTooOpen(path: home.tokenFile, mode: file.mode) }
        let text = String(decoding: file.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return try (checkedToken(text, source: home.tokenFile), home.tokenFile)
    }

    /// A token goes into a header line: empty, or holding a control character or a space, it is refused.
    private static func checkedToken(_ token: String, source: String) throws(DaemonEndpointError) -> String {
        guard !token.isEmpty, token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw .invalidToken(source: source)
        }
        return token
    }
}

/// Why the CLI cannot tell where or how to reach the daemon; never holds a token.
enum DaemonEndpointError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case caFileWithoutHTTPS(url: String)
    case tokenFileTooOpen(path: String, mode: mode_t)
    case tokenFileUnreadable(HomeError)
    /// `source` is `--token`, `SPL_TOKEN` or the token file's path.
    case invalidToken(source: String)

    var description: String {
        switch self {
        case let .invalidURL(url):
            return "SPL_SERVE_URL \(url) is not an http:// or https:// URL of a host and port (such as https://spl.example:9100)"
        case let .caFileWithoutHTTPS(url):
            return "SPL_CA_FILE is set but SPL_SERVE_URL \(url) is not https://; use https:// or unset SPL_CA_FILE"
        case let .tokenFileTooOpen(path, mode):
            return "token file \(path) has mode \(FileMode.octal(mode)), open to group or others; fix it with: chmod 600 \(path)"
        case let .tokenFileUnreadable(error):
            return "token file: \(error)"
        case let .invalidToken(source):
            return "the token from \(source) is empty or holds a space or control character; a token is one word of printable ASCII"
        }
    }
}
