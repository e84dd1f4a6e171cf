import HTTPTypes
import NIOCore
import NIOHTTPTypes

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a response carrying the internal `x-simulator-reset` header into a TCP reset: the client sees
/// "connection reset by peer" instead of any answer, as with a crashed proxy.
final class ConnectionResetHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let marker = HTTPField.Name("x-simulator-reset")!
    private var resetting = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if resetting {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if case .head(let head) = unwrapOutboundIn(data), head.headerFields[Self.marker] != nil {
            resetting = true
            // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            // On the channel's event loop the option is applied at once, before the close below.
            if let socket = context.channel as? any SocketOptionProvider {
                _ = socket.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            }
            context.close(promise: nil)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(data, promise: promise)
    }
}
