package trackerd.ws.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * Before the WebSocket handshake: past {@code ws.max_connections} the upgrade is refused with
 * 503 and counted; otherwise the connection counts until it closes, and the gate leaves the
 * pipeline. Each connection has its own gate (it is removed after the first request).
 */
final class WsUpgradeGate extends ChannelInboundHandlerAdapter {
    private final WsSettings settings;

    WsUpgradeGate(WsSettings settings) {
        this.settings = settings;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!settings.tryOpen()) {
            ReferenceCountUtil.release(msg);
            settings.loopOf(ctx.channel().eventLoop()).metrics.error(WsMetrics.Reason.MAX_CONNECTIONS);
            FullHttpResponse refused = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SERVICE_UNAVAILABLE);
            refused.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            refused.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(refused).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> settings.closed());
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }
}
