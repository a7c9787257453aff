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
 * One load thread: an event loop with its UDP sessions. In saturation mode each reply is
 * followed at once by the next request on its socket. At a fixed rate a timer sends whatever
 * the schedule says is due, on any socket with room, with the intended time carried along so
 * a slow tracker shows as latency rather than as a lower send rate.
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
    private long startNanos;
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

    /** Starts sending at {@code startNanos} until {@code endNanos}; completes when drained. */
    CompletableFuture<Void> run(long startNanos, long endNanos, long drainNanos) {
        loop.execute(() -> {
            this.startNanos = startNanos;
            this.endNanos = endNanos;
            this.drainEndNanos = endNanos + drainNanos;
            long now = System.nanoTime();
            for (UdpSession session : sessions) {
                session.send(now, now); // the connect
                session.flush();
            }
            timer = loop.scheduleAtFixedRate(this::tick, TICK_NANOS, TICK_NANOS, TimeUnit.NANOSECONDS);
        });
        return finished;
    }

    private boolean sending(long now) {
        return now < endNanos;
    }

    /** After a batch of replies on a session: in saturation mode, refill its window. */
    void afterReplies(UdpSession session) {
        if (nanosPerRequest != 0) return;
        long now = System.nanoTime();
        while (sending(now) && session.canSend()) session.send(now, now);
    }

    private void tick() {
        long now = System.nanoTime();
        if (now - lastExpiry >= 10 * TICK_NANOS) {
            lastExpiry = now;
            for (UdpSession session : sessions) session.expire(now, timeoutNanos);
        }
        if (nanosPerRequest == 0) {
            for (UdpSession session : sessions) {
                while (sending(now) && session.canSend()) session.send(now, now);
                session.flush();
            }
        } else {
            long due = (long) ((Math.min(now, endNanos) - startNanos) / nanosPerRequest);
            while (issued < due) {
                UdpSession session = nextWithRoom();
                if (session == null) break; // every window full: the rest stays due, its latency grows
                session.send(startNanos + (long) (issued * nanosPerRequest), now);
                issued++;
            }
            for (UdpSession session : sessions) session.flush();
        }
        if (!sending(now) && (now >= drainEndNanos || allIdle())) {
            timer.cancel(false);
            finished.complete(null);
        }
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
