package trackerd.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.http.protocol.HttpFailures;
import trackerd.loop.LoopContexts;
import trackerd.metrics.MetricBank;
import trackerd.net.SocketAddresses;
import trackerd.runtime.TrackerClock;
import trackerd.swarm.SwarmEngine;

/**
 * BitTorrent over HTTP (BEP 3, 7, 23, 48) on the {@code http.listen} addresses: one listening TCP
 * socket per address, on the same socket-worker event loops as UDP (native epoll when the group
 * is an epoll one, NIO otherwise); each accepted connection is registered on one of those loops
 * and answered through that loop's gateway ({@link HttpLoop}, {@link HttpConnection}).
 *
 * <p>IPv4 and IPv6 wildcards on one port ({@code 0.0.0.0:6969} and {@code [::]:6969}, the
 * default): an IPv6 socket is dual-stack, so {@code [::]} also claims the IPv4 port and the second
 * bind would fail with "Address already in use". As for UDP (see {@code UdpFrontEnd}), every
 * listening socket sets SO_REUSEPORT so the two share the port; for an IPv4 connection the kernel
 * prefers the AF_INET listener (it scores above a dual-stack AF_INET6 one), so each family is
 * accepted by its own socket. A second tracker cannot join the port unnoticed: {@link #probe}
 * binds each address without SO_REUSEPORT first.
 *
 * <p>HTTPS: {@code start} takes an optional {@code Supplier<SslContext>}; when given, the
 * {@code http.tls.listen} addresses are served by the same code with an {@code SslHandler} first
 * in each connection's pipeline (the supplier is asked per connection, so a reloaded certificate
 * applies to new connections while open ones keep theirs).
 *
 * <p>Connections: at most {@code http.max_connections} open over all addresses; a connection past
 * that is closed at once and counted. Thread safety: start and close from one thread.
 */
public final class HttpFrontEnd implements AutoCloseable {
    /** Netty's default 128 is a few milliseconds of connection bursts on a busy tracker. */
    private static final int BACKLOG = 4096;
    /** Linux and the BSDs; elsewhere NIO binds without it (and a dual-stack [::] serves IPv4 too). */
    private static final boolean NIO_REUSEPORT = nioSupportsReusePort();

    private final List<Channel> channels = new ArrayList<>();
    /** Open connections, so that shutdown can stop reading them; a closed one leaves by itself. */
    private final ChannelGroup connections = new DefaultChannelGroup("http", GlobalEventExecutor.INSTANCE);
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private final List<InetSocketAddress> tlsBound = new ArrayList<>();
    private FullScrapes fullScrapes;

    private HttpFrontEnd() {}

    /**
     * Binds every {@code http.listen} address, and the {@code http.tls.listen} ones when {@code tls}
     * is given. Throws with a one-line reason (e.g. the address is in use) after closing whatever
     * it had bound.
     *
     * @param engine the swarms, walked for full-scrape snapshots
     * @param tls TLS contexts for {@code http.tls.listen}, asked once per new connection; null: no HTTPS
     * @param webSocketDoor where {@code Upgrade: websocket} requests go; null: they get a 400
     */
    public static HttpFrontEnd start(TrackerConfig config, EventLoopGroup group, LoopContexts contexts,
                                     AccessList accessList, MetricBank bank, SwarmEngine engine, TrackerClock clock,
                                     Supplier<SslContext> tls, WebSocketDoor webSocketDoor,
                                     Thread.UncaughtExceptionHandler onWorkerDeath) throws IOException {
        HttpFrontEnd front = new HttpFrontEnd();
        try {
            TrackerConfig.Http http = config.http();
            if (http.fullScrape()) {
                front.fullScrapes = new FullScrapes(engine, clock, http.fullScrapeMaxAgeSeconds(),
                    http.fullScrapeMaxTorrents(), onWorkerDeath);
            }
            String header = http.proxy().header();
            int retryMinutes = Math.max(1, (config.swarm().minAnnounceIntervalSeconds() + 59) / 60);
            HttpSettings settings = new HttpSettings(config.swarm(), config.limits(), http, accessList, contexts,
                new HttpMetrics.Definitions(bank), new TrustedProxies(http.proxy().trusted()),
                header.isEmpty() ? null : header.getBytes(StandardCharsets.US_ASCII), webSocketDoor,
                front.fullScrapes, new AtomicInteger(), HttpFailures.busy(retryMinutes));
            Map<EventExecutor, HttpLoop> loops = new IdentityHashMap<>();
            for (EventExecutor executor : group) {
                loops.put(executor, new HttpLoop(settings, contexts.of((EventLoop) executor)));
            }
            boolean epoll = group instanceof EpollEventLoopGroup;
            List<InetSocketAddress> plain = http.listen();
            List<InetSocketAddress> secure = tls == null ? List.of() : http.tls().listen();
            for (InetSocketAddress address : plain) {
                if (address.getPort() != 0) probe(address);
            }
            for (InetSocketAddress address : secure) {
                if (address.getPort() != 0) probe(address);
            }
            for (InetSocketAddress address : plain) {
                front.bound.add(front.bind(address, group, epoll, new Initializer(settings, loops, null, front.connections), "http"));
            }
            for (InetSocketAddress address : secure) {
                front.tlsBound.add(front.bind(address, group, epoll, new Initializer(settings, loops, tls, front.connections), "https"));
            }
        } catch (IOException | RuntimeException e) {
            front.close();
            throw e;
        }
        return front;
    }

    private InetSocketAddress bind(InetSocketAddress address, EventLoopGroup group, boolean epoll,
                                   ChannelHandler initializer, String scheme) throws IOException {
        InternetProtocolFamily family = address.getAddress() instanceof Inet4Address
            ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
        ServerBootstrap bootstrap = new ServerBootstrap()
            .group(group)
            .option(ChannelOption.SO_BACKLOG, BACKLOG)
            .option(ChannelOption.SO_REUSEADDR, true)
            // answers leave in one write per batch: no reason to wait for Nagle
            .childOption(ChannelOption.TCP_NODELAY, true)
            // a client that shuts its side after its last request still gets the answers
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(initializer);
        if (epoll) {
            bootstrap.channelFactory(() -> new EpollServerSocketChannel(family))
                .option(EpollChannelOption.SO_REUSEPORT, true);
        } else {
            // the probe found the port free; both wildcards share it (see the class comment)
            bootstrap.channelFactory(() -> new NioServerSocketChannel(SelectorProvider.provider(), family));
            if (NIO_REUSEPORT) bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
        Channel channel;
        try {
            channel = bootstrap.bind(address).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on " + scheme + " " + SocketAddresses.format(address) + ": "
                + e.getMessage(), e);
        }
        channels.add(channel);
        return new InetSocketAddress(address.getAddress(), ((InetSocketAddress) channel.localAddress()).getPort());
    }

    private static boolean nioSupportsReusePort() {
        try (ServerSocketChannel channel = ServerSocketChannel.open()) {
            return channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    /** A plain bind, without SO_REUSEPORT: fails if anything listens on the address already. */
    private static void probe(InetSocketAddress address) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // TIME_WAIT connections of a previous run are no conflict
            socket.bind(address);
        } catch (IOException e) {
            throw new IOException("cannot listen on http " + SocketAddresses.format(address) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sets up each accepted connection: refuses it past {@code http.max_connections}, else
     * {@code [tls] -> idle -> http}. One per listening socket, shared by its connections.
     */
    @ChannelHandler.Sharable
    private static final class Initializer extends ChannelInitializer<Channel> {
        private final HttpSettings settings;
        private final Map<EventExecutor, HttpLoop> loops;
        private final Supplier<SslContext> tls;
        private final int maxConnections;
        private final long timeoutSeconds;
        private final ChannelGroup connections;

        Initializer(HttpSettings settings, Map<EventExecutor, HttpLoop> loops, Supplier<SslContext> tls,
                    ChannelGroup connections) {
            this.connections = connections;
            this.settings = settings;
            this.loops = loops;
            this.tls = tls;
            this.maxConnections = settings.http().maxConnections();
            this.timeoutSeconds = settings.http().readTimeoutSeconds();
        }

        @Override
        protected void initChannel(Channel channel) {
            HttpLoop loop = loops.get(channel.eventLoop());
            AtomicInteger open = settings.openConnections();
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                loop.metrics.refused();
                channel.close();
                return;
            }
            loop.metrics.connections(1);
            connections.add(channel);
            // on the channel's loop, like the +1
            channel.closeFuture().addListener((ChannelFutureListener) f -> {
                open.decrementAndGet();
                loop.metrics.connections(-1);
            });
            if (tls != null) channel.pipeline().addLast("tls", tls.get().newHandler(channel.alloc()));
            channel.pipeline().addLast("idle", new IdleStateHandler(timeoutSeconds, 0, 0, TimeUnit.SECONDS));
            HttpConnection connection = new HttpConnection(settings);
            connection.attach(loop);
            channel.pipeline().addLast("http", connection);
        }
    }

    /** The bound plain HTTP addresses, one per {@code http.listen} address (ports resolved). */
    public List<InetSocketAddress> addresses() {
        return List.copyOf(bound);
    }

    /** The bound HTTPS addresses; empty without a TLS supplier. */
    public List<InetSocketAddress> tlsAddresses() {
        return List.copyOf(tlsBound);
    }

    /**
     * Stops accepting connections and reading requests on open ones (as on SIGTERM); answers to
     * requests already read still go out until the event loops stop.
     */
    public void stopReading() {
        for (Channel channel : channels) channel.close();
        for (Channel connection : connections) connection.config().setAutoRead(false);
    }

    @Override
    public void close() {
        stopReading();
        for (Channel channel : channels) channel.close().syncUninterruptibly();
        channels.clear();
        if (fullScrapes != null) fullScrapes.close();
    }
}
