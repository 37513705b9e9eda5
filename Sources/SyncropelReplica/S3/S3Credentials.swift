#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SyncropelHome

/// The AWS access key an S3 replica signs with: from `AWS_ACCESS_KEY_ID` and
/// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN` when set) in the daemon's environment,
/// else from `<home>/secrets/aws-credentials`, which must be mode 0600 and holds
/// `name = value` lines:
///
/// ```
/// # S3 replica credentials; chmod 600
/// aws_access_key_id = AKIAIOSFODNN7EXAMPLE
/// aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
/// aws_session_token = …        (optional)
/// ```
///
/// Printing, interpolating, `debugPrint` or `dump` show where the key came from and the last
/// four characters of the key id, never the secret or the session token.
public struct S3Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let accessKeyID: String
    /// Only the signer reads these; nothing prints them.
    let secretAccessKey: String
    let sessionToken: String?
    public let source: Source

    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case environment
        case file(path: String)

        public var description: String {
            switch self {
            case .environment: "the environment"
            case .file(let path): path
            }
        }
    }

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, source: Source) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    /// `<home>/secrets/aws-credentials`.
    public static func filePath(in home: HomeLayout) -> String {
        home.secretsDirectory + "/aws-credentials"
    }

    /// The environment's key when it names one, else the file's. An empty variable counts as unset.
    public static func load(environment: [String: String], home: HomeLayout) throws(S3CredentialsError) -> S3Credentials {
        let path = filePath(in: home)
        func variable(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        switch (variable("AWS_ACCESS_KEY_ID"), variable("AWS_SECRET_ACCESS_KEY")) {
        case let (id?, secret?):
            return S3Credentials(
                accessKeyID: id, secretAccessKey: secret, sessionToken: variable("AWS_SESSION_TOKEN"), source: .environment)
        case (_?, nil):
            throw .halfInEnvironment(missing: "AWS_SECRET_ACCESS_KEY", file: path)
        case (nil, _?):
            throw .halfInEnvironment(missing: "AWS_ACCESS_KEY_ID", file: path)
        case (nil, nil):
            return try load(file: path)
        }
    }

    /// Reads the credentials file, refusing one that group or others can open.
    public static func load(file path: String) throws(S3CredentialsError) -> S3Credentials {
        let file: (bytes: [UInt8], mode: mode_t)?
        do {
            file = try PrivateFiles.contents(of: path)
        } catch {
            throw .unreadable(error)
        }
        guard let file else { throw .missing(path: path) }
        guard !FileMode.isOpenToOthers(file.mode) else { throw .tooOpen(path: path, mode: file.mode) }
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            throw .malformed(path: path, line: nil, reason: "it is not UTF-8 text")
        }
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            // The reasons never quote the line: it may be a secret written without its name.
            guard let equals = line.firstIndex(of: "=") else {
                throw .malformed(path: path, line: index + 1, reason: "it has no '='")
            }
            let name = line[..<equals].trimmingWhitespace()
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            guard fileNames.contains(name) else {
                throw .malformed(path: path, line: index + 1, reason: "its name is not one of \(fileNames.sorted().joined(separator: ", "))")
            }
            guard values[name] == nil else {
                throw .malformed(path: path, line: index + 1, reason: "\(name) is given a second time")
            }
            guard !value.isEmpty else {
                throw .malformed(path: path, line: index + 1, reason: "\(name) has an empty value")
            }
            values[name] = value
        }
        guard let id = values["aws_access_key_id"] else {
            throw .malformed(path: path, line: nil, reason: "it has no aws_access_key_id line")
        }
        guard let secret = values["aws_secret_access_key"] else {
            throw .malformed(path: path, line: nil, reason: "it has no aws_secret_access_key line")
        }
        return S3Credentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: values["aws_session_token"], source: .file(path: path))
    }

    private static let fileNames: Set<String> = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]

    public var description: String {
        let tail = accessKeyID.count > 4 ? "…" + accessKeyID.suffix(4) : "…"
        return "S3 access key \(tail) from \(source)" + (sessionToken == nil ? "" : " with a session token")
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["summary": description], displayStyle: .struct)
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
