import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The channel handler of ``ImageFastPath``: it sits after HTTP decoding and before Hummingbird's request handling
/// (`additionalChannelHandlers`), answers what the fast path can, and passes everything else on untouched.
///
/// HTTP/1.1 answers must leave in request order: once a request has been passed on, every later request on the
/// connection is passed on too until that request's response has been written (a pipelining client). A request
/// answered here has its body, if any, dropped.
final class ImageFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let fastPath: ImageFastPath
    /// Requests passed on whose response has not ended yet.
    private var passedOn = 0
    /// The current request was answered here: drop its body and end.
    private var answered = false
    private var needsFlush = false

    init(_ fastPath: ImageFastPath) {
        self.fastPath = fastPath
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            if passedOn == 0, let answer = fastPath.answer(request) {
                answered = true
                context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
                if let body = answer.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
                needsFlush = true
                return
            }
            answered = false
            passedOn += 1
            context.fireChannelRead(data)
        case .body:
            if !answered { context.fireChannelRead(data) }
        case .end:
            if !answered { context.fireChannelRead(data) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn = max(0, passedOn - 1) }
        context.write(data, promise: promise)
    }
}
