package trackerd.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.runtime.AcceptBackoff;
import trackerd.runtime.WorkerThreadFactory;

/**
 * Serves {@code GET /metrics} (and, once {@linkplain #serve set}, the stats pages) on its own address and one thread of its own, away from the socket
 * workers: scrapes are rare, so one NIO loop is plenty and Netty's worker loops stay for traffic.
 *
 * <p>The listening socket is opened in the family of the configured address. The JDK's
 * {@code HttpServer} (used before) always opens a dual-stack IPv6 socket, on which Java binds
 * {@code 0.0.0.0} as {@code [::]}: "IPv4 only" then also listened on every IPv6 address. Here
 * {@code 0.0.0.0:9969} is IPv4 only; {@code [::]:9969} is Linux's dual-stack wildcard (both
 * families, as {@code net.ipv6.bindv6only=0} makes it; Java cannot set IPV6_V6ONLY), and a
 * specific address is just that address.
 */
public final class MetricsServer implements AutoCloseable {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private static final int BACKLOG = 16;
    /** A scrape is a GET; anything with a larger head or body is not one. */
    private static final int MAX_REQUEST_BYTES = 8192;

    private final EventLoopGroup loop;
    private final Channel server;
    /** Set once the parts it shows have started; until then its paths are 404. */
    private volatile PageSource pages;

    /** Binds and serves; throws with the OS's reason (e.g. address in use) after releasing the thread. */
    public MetricsServer(TrackerMetrics metrics, InetSocketAddress address, WorkerThreadFactory threads)
            throws IOException {
        ProtocolFamily family = address.getAddress() instanceof Inet4Address
            ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        loop = new NioEventLoopGroup(1, threads);
        try {
            ServerSocketChannel socket = ServerSocketChannel.open(family);
            server = new ServerBootstrap()
                .group(loop)
                .channelFactory(() -> new NioServerSocketChannel(socket))
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        AcceptBackoff.pause(ctx.channel(), "metrics", LOG, cause);
                    }
                })
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                            new ScrapeHandler(metrics, MetricsServer.this));
                    }
                })
                .bind(address).sync().channel();
        } catch (Exception e) { // bind failures arrive as checked exceptions Netty rethrows unchecked
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The listening channel, for tests. */
    Channel listener() {
        return server;
    }

    /**
     * Serves the source's pages (e.g. {@code /stats}) beside {@code /metrics} from now on. Any
     * thread; the server may start before what the pages show exists.
     */
    public void serve(PageSource source) {
        pages = source;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One request at a time per connection; keep-alive honoured. Only on the metrics thread. */
    private static final class ScrapeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final TrackerMetrics metrics;
        private final MetricsServer owner;

        ScrapeHandler(TrackerMetrics metrics, MetricsServer owner) {
            this.metrics = metrics;
            this.owner = owner;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            HttpMethod method = request.method();
            String path = new QueryStringDecoder(request.uri()).path();
            FullHttpResponse response;
            PageSource source = owner.pages;
            PageSource.Page page;
            if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
                response = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n");
            } else if ("/metrics".equals(path)) {
                response = response(HttpResponseStatus.OK, CONTENT_TYPE, metrics.scrape());
            } else if (source != null && (page = source.page(path)) != null) {
                response = response(HttpResponseStatus.OK, page.contentType(), page.body());
                // pages are live numbers, and the stats page carries no script nor external asset
                response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                response.headers().set("X-Content-Type-Options", "nosniff");
                response.headers().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
            } else {
                response = response(HttpResponseStatus.NOT_FOUND, "text/plain", "not found: metrics are at /metrics\n");
            }
            if (HttpMethod.HEAD.equals(method)) response.content().clear(); // length stays that of the GET
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse response(HttpResponseStatus status, String type, String body) {
            return response(status, type, body.getBytes(StandardCharsets.UTF_8));
        }

        private static FullHttpResponse response(HttpResponseStatus status, String type, byte[] bytes) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return response;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a broken scrape connection; the next scrape opens a new one
        }
    }
}
