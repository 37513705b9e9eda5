import Foundation

/// Why a store named on a command line could not be used.
public enum StoreAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownScheme(String)
    case missingFile(String)

    public var description: String {
        switch self {
        case .unknownScheme(let text):
            "\(text) names no store spl knows; give a file path, sqlite:///path or postgresql://user@host:port/database"
        case .missingFile(let path):
            "no store file at \(path)"
        }
    }
}

/// A store as an operator names it: a file path, `sqlite:///path`, or a database URL.
///
/// ```swift
/// let store = try StoreAddress("backup.db", currentDirectory: cwd).open(role: .existing, options: options)
/// ```
public enum StoreAddress: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)

    /// Whether opening may create the store.
    public enum Role: Sendable {
        /// Read from: it must already exist.
        case existing
        /// Written to: created when missing.
        case creating
    }

    public init(_ text: String, currentDirectory: String) throws(StoreAddressError) {
        if text.hasPrefix("sqlite://") {
            self = .sqlite(path: Self.absolute(String(text.dropFirst("sqlite://".count)), in: currentDirectory))
        } else if text.contains("://") {
            throw .unknownScheme(text)
        } else {
            self = .sqlite(path: Self.absolute(text, in: currentDirectory))
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        }
    }

    public func open(role: Role, options: SQLiteRecordStore.Options) async throws -> any RecordStore {
        switch self {
        case .sqlite(let path):
            if role == .existing, !FileManager.default.fileExists(atPath: path) {
                throw StoreAddressError.missingFile(path)
            }
            return try SQLiteRecordStore(path: path, options: options)
        }
    }

    private static func absolute(_ path: String, in folder: String) -> String {
        let joined = path.hasPrefix("/") ? path : folder + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}
