package trackerd.http.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.DirectAcceptChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.http.protocol.HttpFailures;
import trackerd.loop.LoopContexts;
import trackerd.metrics.MetricBank;
import trackerd.net.SocketAddresses;
import trackerd.runtime.TrackerClock;
import trackerd.swarm.SwarmEngine;

/**
 * BitTorrent over HTTP (BEP 3, 7, 23, 48) on the {@code http.listen} addresses: per address one
 * listening TCP socket on each socket-worker event loop (the loops UDP uses; native epoll when the
 * group is an epoll one, NIO otherwise), all sharing the port with SO_REUSEPORT; a connection is
 * registered on the loop whose socket accepted it ({@link HttpAcceptor}) and answered through that
 * loop's gateway ({@link HttpLoop}, {@link HttpConnection}). Without SO_REUSEPORT (NIO on a system
 * that lacks it) an address has one socket, on the first loop.
 *
 * <p>Plain HTTP on epoll takes the direct accept path instead ({@link HttpDirectAccept} on a
 * {@code DirectAcceptChannel}, with TCP_DEFER_ACCEPT): a new connection whose first read is one
 * whole request that closes the connection is answered on its descriptor without a channel;
 * everything else gets a channel as above. HTTPS and NIO always take {@link HttpAcceptor}.
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
 * that is closed at once and counted. Read timeouts: each loop sweeps its connections once a
 * second ({@link HttpLoop#closeTimedOut}) instead of a timer per connection. Thread safety: start
 * and close from one thread.
 */
public final class HttpFrontEnd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFrontEnd.class);
    /** Netty's default 128 is a few milliseconds of connection bursts on a busy tracker. */
    private static final int BACKLOG = 4096;
    /** Linux and the BSDs; elsewhere NIO binds without it (and a dual-stack [::] serves IPv4 too). */
    private static final boolean NIO_REUSEPORT = nioSupportsReusePort();

    private final List<Channel> channels = new ArrayList<>();
    /** One per socket-worker loop: its connections, the timeout sweep, the answer path. */
    private final List<HttpLoop> loops = new ArrayList<>();
    /** Per loop, parallel to {@link #loops}: the direct accept path of plain HTTP; empty without it. */
    private final List<HttpDirectAccept> directs = new ArrayList<>();
    private final List<ScheduledFuture<?>> sweeps = new ArrayList<>();
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
            for (EventExecutor executor : group) {
                HttpLoop loop = new HttpLoop(settings, contexts.of((EventLoop) executor));
                front.loops.add(loop);
                // one timer per loop for all its connections, not one per connection
                front.sweeps.add(executor.scheduleAtFixedRate(loop::closeTimedOut, 1, 1, TimeUnit.SECONDS));
            }
            boolean epoll = group instanceof EpollEventLoopGroup;
            if (epoll && !http.listen().isEmpty()) {
                if (DirectAcceptChannel.isAvailable()) {
                    for (HttpLoop loop : front.loops) front.directs.add(new HttpDirectAccept(loop));
                } else {
                    LOG.warn("HTTP direct accept path unavailable ({}): every connection gets a Netty channel",
                        String.valueOf(DirectAcceptChannel.unavailabilityCause()));
                }
            }
            List<InetSocketAddress> plain = http.listen();
            List<InetSocketAddress> secure = tls == null ? List.of() : http.tls().listen();
            for (InetSocketAddress address : plain) {
                if (address.getPort() != 0) probe(address);
            }
            for (InetSocketAddress address : secure) {
                if (address.getPort() != 0) probe(address);
            }
            for (InetSocketAddress address : plain) {
                front.bound.add(front.bind(address, epoll, null, "http"));
            }
            for (InetSocketAddress address : secure) {
                front.tlsBound.add(front.bind(address, epoll, tls, "https"));
            }
        } catch (IOException | RuntimeException e) {
            front.close();
            throw e;
        }
        return front;
    }

    /**
     * One listening socket per event loop on {@code address} (SO_REUSEPORT: the kernel spreads new
     * connections over them, and each loop registers what it accepted on itself); the first one
     * resolves port 0 for the others. Returns the bound address.
     */
    private InetSocketAddress bind(InetSocketAddress address, boolean epoll,
                                   Supplier<SslContext> tls, String scheme) throws IOException {
        InternetProtocolFamily family = address.getAddress() instanceof Inet4Address
            ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
        InetSocketAddress target = address;
        for (int i = 0; i < loops.size(); i++) {
            HttpLoop loop = loops.get(i);
            boolean direct = tls == null && !directs.isEmpty();
            ServerChannel channel = direct
                ? new DirectAcceptChannel(family == InternetProtocolFamily.IPv6, directs.get(i),
                    HttpDirectAccept.DEFER_ACCEPT_SECONDS) // SO_REUSEADDR, SO_REUSEPORT set at bind
                : epoll ? new EpollServerSocketChannel(family)
                : new NioServerSocketChannel(SelectorProvider.provider(), family);
            channel.config().setOption(ChannelOption.SO_BACKLOG, BACKLOG);
            if (!direct) {
                channel.config().setOption(ChannelOption.SO_REUSEADDR, true);
                if (epoll) {
                    channel.config().setOption(EpollChannelOption.SO_REUSEPORT, true);
                } else if (NIO_REUSEPORT) {
                    // the probe found the port free; both wildcards share it (see the class comment)
                    channel.config().setOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
                }
                channel.pipeline().addLast("accept", new HttpAcceptor(loop, tls));
            }
            try {
                loop.loop.register(channel).sync();
                channels.add(channel);
                channel.bind(target).sync();
            } catch (Exception e) {
                throw new IOException("cannot listen on " + scheme + " " + SocketAddresses.format(address) + ": "
                    + e.getMessage(), e);
            }
            target = new InetSocketAddress(address.getAddress(), ((InetSocketAddress) channel.localAddress()).getPort());
            if (!epoll && !NIO_REUSEPORT) break; // one socket: its loop serves the address alone
        }
        return target;
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

    /** Open connections on each socket-worker loop, in loop order (tests); asks each loop. */
    List<Integer> openConnectionsByLoop() throws Exception {
        List<Integer> counts = new ArrayList<>();
        for (HttpLoop loop : loops) counts.add(loop.loop.submit(loop::openCount).get());
        return counts;
    }

    /** Direct-path connections waiting for a swarm answer, over all loops (tests); asks each loop. */
    int directWaiting() throws Exception {
        int waiting = 0;
        for (HttpDirectAccept direct : directs) waiting += direct.loop().loop.submit(direct::waitingCount).get();
        return waiting;
    }

    /** Requests answered on the direct path, over all loops (tests); asks each loop. */
    long directTaken() throws Exception {
        long taken = 0;
        for (HttpDirectAccept direct : directs) taken += direct.loop().loop.submit(direct::taken).get();
        return taken;
    }

    /** Direct answers the socket did not take whole, finished by a channel, over all loops (tests). */
    long directFinishedByChannel() throws Exception {
        long finished = 0;
        for (HttpDirectAccept direct : directs) finished += direct.loop().loop.submit(direct::finishedByChannel).get();
        return finished;
    }

    /** Tests: every send(2) of the direct path is given at most {@code bytes} (a channel writes the rest). */
    void limitDirectSendsForTests(int bytes) throws Exception {
        for (HttpDirectAccept direct : directs) direct.loop().loop.submit(() -> direct.limitSendsForTests(bytes)).get();
    }

    /** Tests: the channel that writes the rest of a direct answer gets this SO_SNDBUF. */
    void restSendBufferForTests(int bytes) throws Exception {
        for (HttpDirectAccept direct : directs) direct.loop().loop.submit(() -> direct.restSendBufferForTests(bytes)).get();
    }

    /** Tests: every send(2) of answers written in place is given at most {@code bytes}. */
    void limitInPlaceSendsForTests(int bytes) throws Exception {
        for (HttpLoop loop : loops) {
            if (loop.sendBuffer != null) loop.loop.submit(() -> loop.sendBuffer.limitSendsForTests(bytes)).get();
        }
    }

    /** send(2) calls of answers written in place, over all loops, and of those the ones not taken whole (tests). */
    long[] inPlaceSends() throws Exception {
        long[] sends = new long[2];
        for (HttpLoop loop : loops) {
            if (loop.sendBuffer == null) continue;
            sends[0] += loop.loop.submit(loop.sendBuffer::sends).get();
            sends[1] += loop.loop.submit(loop.sendBuffer::partialSends).get();
        }
        return sends;
    }

    /** Whether plain HTTP takes the direct accept path (epoll, and this Netty supports it). */
    boolean directAccept() {
        return !directs.isEmpty();
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
        for (HttpLoop loop : loops) {
            if (!loop.loop.isShuttingDown()) loop.loop.execute(loop::stopReading);
        }
    }

    @Override
    public void close() {
        stopReading();
        for (Channel channel : channels) channel.close().syncUninterruptibly();
        channels.clear();
        for (ScheduledFuture<?> sweep : sweeps) sweep.cancel(false);
        sweeps.clear();
        for (HttpDirectAccept direct : directs) {
            HttpLoop loop = direct.loop();
            if (loop.loop.isShuttingDown()) {
                continue; // its tasks no longer run; the descriptors close with the process
            }
            loop.loop.submit(direct::closeWaiting).syncUninterruptibly();
        }
        directs.clear();
        if (fullScrapes != null) fullScrapes.close();
    }
}
