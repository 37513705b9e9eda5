import Hummingbird
import NIOCore
import SyncropelKit

/// The request context of both listeners; it knows which one a request came through.
///
/// Requests on run/spl.sock come from the local operator (the socket's folder is 0700):
/// they may write the reserved threads (rule 3.3.6) and have their records signed by the
/// instance key. Requests over TCP carry a service token (`TCPAuthentication`), which sets `access`.
public struct InstanceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let viaUnixSocket: Bool
    /// Who the request acts as; `.open` until `TCPAuthentication` says otherwise.
    public var access = RequestAccess.open
    /// The request's connection. Hummingbird does not cancel a streaming response when the
    /// client leaves, so a thread watch learns it from `channel.closeFuture`.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        if case .unixDomainSocket = source.channel.localAddress {
            viaUnixSocket = true
        } else {
            viaUnixSocket = false
        }
    }

    /// Batches may carry 8 MiB; single records are held to 2 MiB after parsing (SPEC 11).
    public var maxUploadSize: Int { RequestLimits.maxBatchBytes }
}

/// What a request may do, as `TCPAuthentication` decided.
public enum RequestAccess: Sendable, Equatable {
    /// The unix socket, or TCP while authentication is off (`spl serve --insecure-localhost`).
    case open
    /// TCP without a valid token, on the routes that take none (`/health`, bootstrap).
    case anonymous
    /// TCP with a valid token of this account.
    case account(ServiceAccount)
}

/// Request size limits of SPEC 11 and the page sizes of SPEC 7.2, which clients page by.
public enum RequestLimits {
    public static let maxSingleBytes = 2 << 20
    public static let maxBatchBytes = 8 << 20
    public static let maxBatchRecords = 1000
    public static let maxPageSize = 1000
    public static let defaultPageSize = 100
}
