import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

/// Why a call never reached the provider, in words, when that is what happened.
///
/// A refused connection, a name that does not resolve, no route, a connect timeout or a failed TLS
/// handshake hit every call alike: the provider (or the way to it) is down, and no job is to blame.
/// A connection reset or a timeout after the request went out is not among them: that is one call's
/// bad luck, retried as usual.
public enum TransportFailure {
    /// The reason in words, or nil when the error is not a failure to reach the provider.
    public static func unreachable(_ error: any Error) -> String? {
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return "the host name \(connection.host) does not resolve (DNS)"
            }
            if let first = connection.connectionErrors.first {
                return unreachable(first.error) ?? "no connection to \(connection.host):\(connection.port) (\(first.error))"
            }
            return "no connection to \(connection.host):\(connection.port)"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused: nothing listens at that address"
            case ENETUNREACH, EHOSTUNREACH: return "no route to the host"
            case ETIMEDOUT: return "no connection within the connect timeout"
            default: return nil
            }
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return "no connection within the connect timeout"
        }
        if let client = error as? HTTPClientError, client == .connectTimeout {
            return "no connection within the connect timeout"
        }
        if let tls = error as? NIOSSLError {
            return tlsReason(String(describing: tls))
        }
        if let tls = error as? BoringSSLError {
            return tlsReason(String(describing: tls))
        }
        return nil
    }

    /// A TLS failure in words; the library's own text names build paths and error stacks.
    static func tlsReason(_ text: String) -> String {
        let upper = text.uppercased()
        if upper.contains("WRONG_VERSION_NUMBER") || upper.contains("HTTP_REQUEST") {
            return "the TLS handshake failed: https to a server that speaks plain http (use http://, or the server's https port)"
        }
        if upper.contains("CERTIFICATE") || upper.contains("VERIFY") {
            return "the TLS handshake failed: the server's certificate is not trusted or does not name this host"
        }
        return "the TLS handshake failed"
    }
}
