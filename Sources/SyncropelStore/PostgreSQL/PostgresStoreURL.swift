/// Where a PostgreSQL store lives: `postgresql://user[:${VAR}]@host[:port]/database[?sslmode=…]`.
///
/// The password never sits in a config file: the URL names an environment variable that holds
/// it (`postgresql://spl:${SPL_PG_PASSWORD}@db.internal/spl`), or it has no password part and
/// `PGPASSWORD` is used when set. A literal password is refused. `description` is the URL
/// without any password, as the banner, `/health` and every error message show it.
///
/// ```swift
/// let url = try PostgresStoreURL(parsing: "postgresql://spl:${PGPASS}@127.0.0.1:5433/spl", environment: ProcessInfo.processInfo.environment)
/// print(url)   // postgresql://spl@127.0.0.1:5433/spl
/// ```
public struct PostgresStoreURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable {
        case disable
        /// TLS when the server offers it, plain otherwise (libpq's default).
        case prefer
        /// TLS or no connection, with the server's certificate verified.
        case require
    }

    public let user: String
    public let host: String
    public let port: Int
    public let database: String
    public let tlsMode: TLSMode
    /// From the URL's variable or `PGPASSWORD`; never printed.
    let password: String?

    public static let defaultPort = 5432

    /// The URL without its password: `postgresql://user@host:port/database`.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let query = tlsMode == .prefer ? "" : "?sslmode=\(tlsMode.rawValue)"
        return "postgresql://\(user)@\(shownHost):\(port)/\(database)\(query)"
    }

    /// Whether `text` names a PostgreSQL store rather than a file.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Reads `text`; `environment` resolves `${VAR}` and supplies `PGPASSWORD`.
    public init(parsing text: String, environment: [String: String]) throws(PostgresStoreURLError) {
        guard let schemeEnd = text.range(of: "://") else { throw .unknownScheme(scheme: "") }
        let scheme = String(text[..<schemeEnd.lowerBound])
        guard scheme == "postgresql" || scheme == "postgres" else { throw .unknownScheme(scheme: scheme) }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw .missingDatabase }
        let authority = rest[..<slash]
        database = try Self.decoded(rest[rest.index(after: slash)...], part: "database")
        guard !database.isEmpty, !database.contains("/") else { throw .missingDatabase }
        guard let at = authority.lastIndex(of: "@") else { throw .missingUser }
        let userInfo = authority[..<at]
        let hostAndPort = authority[authority.index(after: at)...]

        let userPart: Substring
        if let colon = userInfo.firstIndex(of: ":") {
            userPart = userInfo[..<colon]
            password = try Self.password(from: userInfo[userInfo.index(after: colon)...], environment: environment)
        } else {
            userPart = userInfo
            password = environment["PGPASSWORD"]
        }
        user = try Self.decoded(userPart, part: "user name")
        guard !user.isEmpty else { throw .missingUser }
        (host, port) = try Self.hostAndPort(hostAndPort)
        tlsMode = try Self.tlsMode(query)
    }

    /// Only `${NAME}` is accepted where a password would go.
    private static func password(from text: Substring, environment: [String: String]) throws(PostgresStoreURLError) -> String {
        guard text.hasPrefix("${"), text.hasSuffix("}"), text.count > 3 else { throw .literalPassword }
        let name = String(text.dropFirst(2).dropLast())
        guard name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { throw .literalPassword }
        guard let value = environment[name] else { throw .unsetVariable(name: name) }
        return value
    }

    private static func hostAndPort(_ text: Substring) throws(PostgresStoreURLError) -> (String, Int) {
        var hostText = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .missingHost }
            hostText = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badPort(port: String(after)) }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !hostText.isEmpty else { throw .missingHost }
        guard let portText else { return (String(hostText), defaultPort) }
        guard portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let port = Int(portText), (1...65535).contains(port)
        else { throw .badPort(port: String(portText)) }
        return (String(hostText), port)
    }

    private static func tlsMode(_ query: Substring) throws(PostgresStoreURLError) -> TLSMode {
        var mode = TLSMode.prefer
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "sslmode" else { throw .unknownParameter(name: String(parts[0])) }
            guard let chosen = TLSMode(rawValue: String(parts[1])) else { throw .badTLSMode(mode: String(parts[1])) }
            mode = chosen
        }
        return mode
    }

    private static func decoded(_ text: Substring, part: String) throws(PostgresStoreURLError) -> String {
        guard let value = String(text).removingPercentEncoding else { throw .badEncoding(part: part) }
        return value
    }
}

/// Why a store URL could not be read, as one line for the operator (never quoting a password).
public enum PostgresStoreURLError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownScheme(scheme: String)
    case missingUser
    case missingHost
    case missingDatabase
    case badPort(port: String)
    case literalPassword
    case unsetVariable(name: String)
    case unknownParameter(name: String)
    case badTLSMode(mode: String)
    case badEncoding(part: String)

    private static let form = "postgresql://user[:${VAR}]@host[:port]/database"

    public var description: String {
        switch self {
        case .unknownScheme(let scheme):
            "store URL scheme \"\(scheme)\" is not postgresql:// or postgres://; write \(Self.form)"
        case .missingUser:
            "store URL names no user; write \(Self.form)"
        case .missingHost:
            "store URL names no host; write \(Self.form)"
        case .missingDatabase:
            "store URL names no database; write \(Self.form)"
        case .badPort(let port):
            "store URL port \"\(port)\" is not a number from 1 to 65535"
        case .literalPassword:
            "store URL holds a password; keep it out of config files: write postgresql://user:${VAR}@host/database "
                + "with the password in environment variable VAR, or set PGPASSWORD"
        case .unsetVariable(let name):
            "store URL takes its password from environment variable \(name), which is not set"
        case .unknownParameter(let name):
            "store URL parameter \"\(name)\" is not known; the only one is sslmode"
        case .badTLSMode(let mode):
            "store URL sslmode \"\(mode)\" is not disable, prefer or require"
        case .badEncoding(let part):
            "store URL \(part) has a bad %-escape"
        }
    }
}
