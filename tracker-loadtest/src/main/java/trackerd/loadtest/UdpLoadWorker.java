package trackerd.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoop;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One load thread: an event loop with its UDP sessions. Every session connects first; the clock
 * starts when all have ids. In saturation mode each reply is followed at once by the next
 * request on its socket. At a fixed rate a pacing task, queued again after every run, sends what
 * is due on any socket with room, and latency counts from each request's intended time: a slow
 * tracker shows as latency rather than as a lower send rate.
 */
final class UdpLoadWorker {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final EventLoop loop;
    private final LoadTestConfig config;
    final WorkerStats stats = new WorkerStats();
    private final List<UdpSession> sessions = new ArrayList<>();
    private final double nanosPerRequest;
    private final long timeoutNanos;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final Runnable pace = this::pace;
    /** When the pacing schedule starts: the warm-up begins here. */
    private long startNanos;
    /** When counting starts: the end of the warm-up. */
    private long measureNanos;
    private long endNanos;
    private long drainEndNanos;
    private long issued;
    private int nextSession;
    private long lastExpiry;
    private ScheduledFuture<?> timer;

    UdpLoadWorker(int index, EventLoop loop, LoadTestConfig config, Workload workload) throws Exception {
        this.loop = loop;
        this.config = config;
        long ratePerWorker = config.rate() / config.workers() + (index < config.rate() % config.workers() ? 1 : 0);
        nanosPerRequest = config.rate() == 0 ? 0 : 1e9 / Math.max(1, ratePerWorker);
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.udp().timeoutMillis());
        SplittableRandom random = new SplittableRandom(config.workload().seed() * 31 + index);
        InetSocketAddress target = config.target();
        boolean epoll = loop instanceof EpollEventLoop;
        InternetProtocolFamily family = target.getAddress() instanceof Inet4Address
            ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
        InetAddress any = InetAddress.getByName(family == InternetProtocolFamily.IPv4 ? "0.0.0.0" : "::");
        for (int i = 0; i < config.udp().socketsPerWorker(); i++) {
            UdpSession session = new UdpSession(this, workload, stats, random.split(), target, config.udp().window(),
                TimeUnit.SECONDS.toNanos(config.udp().connectionRefreshSeconds()),
                epoll && config.udp().gso() && EpollDatagramChannel.isSegmentedDatagramPacketSupported());
            Bootstrap bootstrap = new Bootstrap().group(loop).handler(session)
                .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048 * 16));
            if (epoll) {
                bootstrap.channelFactory(() -> new EpollDatagramChannel(family))
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 2048);
            } else {
                bootstrap.channelFactory(() -> new NioDatagramChannel(family));
            }
            bootstrap.bind(new InetSocketAddress(any, 0)).sync();
            sessions.add(session);
        }
    }

    /** Every session sends its connect; completes when all have a connection id. */
    CompletableFuture<Void> connect() {
        loop.execute(() -> {
            long now = System.nanoTime();
            for (UdpSession session : sessions) {
                session.send(now, now);
                session.flush();
            }
            timer = loop.scheduleAtFixedRate(this::retryConnects, 100, 100, TimeUnit.MILLISECONDS);
        });
        return connected;
    }

    /** A session got its id. */
    void onConnected() {
        if (!connected.isDone() && allConnected()) {
            timer.cancel(false);
            connected.complete(null);
        }
    }

    private boolean allConnected() {
        for (UdpSession session : sessions) {
            if (!session.connected()) return false;
        }
        return true;
    }

    private void retryConnects() {
        long now = System.nanoTime();
        for (UdpSession session : sessions) {
            session.expire(now, timeoutNanos);
            if (session.canSend() && !session.connected()) {
                session.send(now, now);
                session.flush();
            }
        }
    }

    /**
     * Sends from {@code startNanos} to {@code endNanos}, counting what is sent from
     * {@code measureNanos} on (before it: warm-up); completes when drained.
     */
    CompletableFuture<Void> run(long startNanos, long measureNanos, long endNanos, long drainNanos) {
        loop.execute(() -> {
            this.measureNanos = measureNanos;
            this.startNanos = startNanos;
            this.endNanos = endNanos;
            this.drainEndNanos = endNanos + drainNanos;
            if (nanosPerRequest == 0) {
                timer = loop.scheduleAtFixedRate(this::tick, 0, TICK_NANOS, TimeUnit.NANOSECONDS);
            } else {
                loop.execute(pace);
            }
        });
        return finished;
    }

    /** Whether a request sent at that time is part of the results (not connect phase or warm-up). */
    boolean counts(long sentNanos) {
        return measureNanos != 0 && sentNanos - measureNanos >= 0;
    }

    private boolean sending(long now) {
        return now < endNanos;
    }

    /** After a batch of replies on a session: in saturation mode, refill its window. */
    void afterReplies(UdpSession session) {
        if (nanosPerRequest == 0) fill(session, System.nanoTime());
    }

    private void fill(UdpSession session, long now) {
        while (sending(now) && session.canSend()) session.send(now, now);
    }

    /** Every 10 ms at most: free the slots of requests that got no reply in time. */
    private void expireLost(long now) {
        if (now - lastExpiry < 10 * TICK_NANOS) return;
        lastExpiry = now;
        for (UdpSession session : sessions) session.expire(now, timeoutNanos);
    }

    /** Saturation mode, every millisecond: time out lost requests, refill windows, finish. */
    private void tick() {
        long now = System.nanoTime();
        expireLost(now);
        for (UdpSession session : sessions) {
            fill(session, now);
            session.flush();
        }
        if (done(now)) timer.cancel(false);
    }

    /**
     * Fixed-rate mode: send what is due, then queue itself again, so the loop polls its sockets
     * and the schedule without sleeping. That costs the load tester's core (which it has to
     * itself) and sends each request within microseconds of its time; pacing on a 20-microsecond
     * timer measured worse at the median and no better in the tail.
     */
    private void pace() {
        long now = System.nanoTime();
        expireLost(now);
        long due = (long) ((Math.min(now, endNanos) - startNanos) / nanosPerRequest);
        boolean sent = false;
        while (issued < due) {
            UdpSession session = nextWithRoom();
            if (session == null) break; // every window full: the rest stays due, its latency grows
            session.send(startNanos + (long) (issued * nanosPerRequest), now);
            issued++;
            sent = true;
        }
        if (sent) {
            for (UdpSession session : sessions) session.flush();
        }
        if (!done(now)) loop.execute(pace);
    }

    private boolean done(long now) {
        if (!sending(now) && (now >= drainEndNanos || allIdle())) {
            finished.complete(null);
            return true;
        }
        return false;
    }

    private UdpSession nextWithRoom() {
        for (int i = 0; i < sessions.size(); i++) {
            UdpSession session = sessions.get(nextSession);
            nextSession = (nextSession + 1) % sessions.size();
            if (session.canSend()) return session;
        }
        return null;
    }

    private boolean allIdle() {
        for (UdpSession session : sessions) {
            if (!session.idle()) return false;
        }
        return true;
    }
}
