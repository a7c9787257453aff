package trackerd.http.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.runtime.AcceptBackoff;

/**
 * The handler of one listening socket: takes each accepted connection, refuses it past
 * {@code http.max_connections}, gives it its handlers ({@code [tls] -> http}) and registers it on
 * the listening socket's own event loop.
 *
 * <p>Why not {@code ServerBootstrap}'s acceptor with a {@code ChannelInitializer}: a new connection
 * per request is the common case of an HTTP tracker (most clients, and opentracker, close after
 * each announce), so everything done per connection counts. Here a connection costs no
 * initializer added to and removed from its pipeline (nor its concurrent "initialised" set), no
 * child options written again (Netty already sets TCP_NODELAY; setting it again is a second
 * setsockopt), no close listener and no channel group entry; a refused connection is closed
 * before it is registered (no epoll_ctl). Each socket-worker loop has its own listening socket
 * (SO_REUSEPORT, the kernel spreads connections), so a connection is registered on the loop that
 * accepted it, inline, never handed to another loop.
 *
 * <p>One per listening socket; only on that socket's event loop.
 */
final class HttpAcceptor extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HttpAcceptor.class);
    private final HttpLoop loop;
    private final HttpSettings settings;
    private final Supplier<SslContext> tls;
    private final int maxConnections;

    /** @param tls asked once per connection (a reloaded certificate applies to new ones); null: plain HTTP */
    HttpAcceptor(HttpLoop loop, Supplier<SslContext> tls) {
        this.loop = loop;
        this.settings = loop.settings;
        this.tls = tls;
        this.maxConnections = settings.http().maxConnections();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (settings.openConnections().incrementAndGet() > maxConnections) {
            settings.openConnections().decrementAndGet();
            loop.metrics.refused();
            child.unsafe().closeForcibly(); // never registered: just the close(2)
            return;
        }
        loop.metrics.connections(1);
        loop.serve(child, tls == null ? null : tls.get());
    }

    /** accept(2) failed (out of file descriptors, most likely): see {@link AcceptBackoff}. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        AcceptBackoff.pause(ctx.channel(), "HTTP", LOG, cause);
    }
}
