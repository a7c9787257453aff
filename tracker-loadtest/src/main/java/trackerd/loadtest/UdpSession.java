package trackerd.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoop;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One UDP socket of a load worker: a window of requests in flight, each in a slot whose index
 * is the low 10 bits of its transaction id, and a connection id renewed before it expires.
 * Every reply is checked against the request it answers. Only on the worker's event loop.
 */
final class UdpSession extends ChannelInboundHandlerAdapter implements LoadSession {
    private static final long PROTOCOL_ID = 0x41727101980L;
    private static final int SLOT_BITS = 10;
    private static final int ANNOUNCE_LENGTH = 98;
    /** Linux sends at most 64 segments in one GSO datagram. */
    private static final int GSO_SEGMENTS = 64;

    private final LoadWorker worker;
    private final Workload workload;
    private final WorkerStats stats;
    private final SplittableRandom random;
    private final InetSocketAddress target;
    private final boolean ipv6;
    private final long refreshNanos;
    private final boolean gso;
    private Channel channel;
    /** Announces waiting to leave as one GSO send: same size, same target. */
    private ByteBuf batch;
    private int batched;

    private long connectionId;
    private boolean hasId;
    private boolean connecting;
    private long idNanos;

    private final int[] scraped;
    private final int[] tids;
    private final long[] sentNanos;
    private final long[] startNanos;
    private final byte[] types;
    private final int[] expected;
    private final boolean[] busy;
    private final int[] free;
    private int freeCount;
    private int generation;

    UdpSession(LoadWorker worker, Workload workload, WorkerStats stats, SplittableRandom random,
               InetSocketAddress target, int window, long refreshNanos, boolean gso) {
        this.worker = worker;
        this.workload = workload;
        this.stats = stats;
        this.random = random;
        this.target = target;
        this.ipv6 = !(target.getAddress() instanceof Inet4Address);
        this.refreshNanos = refreshNanos;
        this.gso = gso;
        scraped = new int[workload.config.scrapeHashes()];
        tids = new int[window];
        sentNanos = new long[window];
        startNanos = new long[window];
        types = new byte[window];
        expected = new int[window];
        busy = new boolean[window];
        free = new int[window];
        for (int i = 0; i < window; i++) free[i] = window - 1 - i;
        freeCount = window;
    }

    /** Opens the worker's UDP sockets, one session each. */
    static void open(LoadWorker worker, Workload workload) throws Exception {
        LoadTestConfig config = worker.config;
        InetSocketAddress target = config.target().address();
        boolean epoll = worker.loop instanceof EpollEventLoop;
        InternetProtocolFamily family = target.getAddress() instanceof Inet4Address
            ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
        InetAddress any = config.udp().bind() != null ? config.udp().bind()
            : InetAddress.getByName(family == InternetProtocolFamily.IPv4 ? "0.0.0.0" : "::");
        for (int i = 0; i < config.udp().socketsPerWorker(); i++) {
            UdpSession session = new UdpSession(worker, workload, worker.stats, worker.random.split(), target,
                config.udp().window(), TimeUnit.SECONDS.toNanos(config.udp().connectionRefreshSeconds()),
                epoll && config.udp().gso() && EpollDatagramChannel.isSegmentedDatagramPacketSupported());
            Bootstrap bootstrap = new Bootstrap().group(worker.loop).handler(session)
                .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048 * 16));
            if (epoll) {
                bootstrap.channelFactory(() -> new EpollDatagramChannel(family))
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 2048);
            } else {
                bootstrap.channelFactory(() -> new NioDatagramChannel(family));
            }
            bootstrap.bind(new InetSocketAddress(any, 0)).sync();
            worker.add(session);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void start(long now) {
        send(now, now);
        flush();
    }

    @Override
    public void retry(long now, long timeoutNanos) {
        expire(now, timeoutNanos);
        if (canSend()) start(now);
    }

    /** Whether a request can go now: a free slot, and an id or no connect already waiting. */
    @Override
    public boolean canSend() {
        return freeCount > 0 && (hasId || !connecting);
    }

    @Override
    public boolean connected() {
        return hasId;
    }

    @Override
    public boolean idle() {
        return freeCount == busy.length;
    }

    @Override
    public void send(long intendedNanos, long now) {
        int type;
        if (!hasId || (now - idNanos > refreshNanos && !connecting)) {
            type = Workload.CONNECT;
        } else {
            type = workload.requestType(random);
        }
        int slot = free[--freeCount];
        int tid = (++generation << SLOT_BITS) | slot;
        ByteBuf out;
        if (type == Workload.CONNECT) {
            connecting = true;
            out = channel.alloc().directBuffer(16).writeLong(PROTOCOL_ID).writeInt(0).writeInt(tid);
        } else if (type == Workload.ANNOUNCE) {
            int peer = workload.peer(random);
            int torrent = workload.torrentOf(peer);
            int numwant = workload.config.numwant();
            expected[slot] = numwant;
            if (gso) {
                if (batch == null) batch = channel.alloc().directBuffer(ANNOUNCE_LENGTH * GSO_SEGMENTS);
                out = batch;
            } else {
                out = channel.alloc().directBuffer(ANNOUNCE_LENGTH);
            }
            out.writeLong(connectionId).writeInt(1).writeInt(tid)
                .writeLong(Workload.hash0(torrent)).writeLong(Workload.hash1(torrent)).writeInt(Workload.hash2(torrent))
                .writeLong(Workload.PEER_ID_PREFIX).writeLong(peer).writeInt(peer) // peer id
                .writeLong(0).writeLong(workload.seeder(peer) ? 0 : 1_000_000).writeLong(0)
                .writeInt(workload.event(random)).writeInt(0).writeInt(peer).writeInt(numwant)
                .writeShort(Workload.port(peer));
        } else {
            int hashes = workload.config.scrapeHashes();
            expected[slot] = hashes;
            out = channel.alloc().directBuffer(16 + 20 * hashes).writeLong(connectionId).writeInt(2).writeInt(tid);
            workload.scrapeTorrents(random, scraped);
            for (int torrent : scraped) {
                out.writeLong(Workload.hash0(torrent)).writeLong(Workload.hash1(torrent)).writeInt(Workload.hash2(torrent));
            }
        }
        tids[slot] = tid;
        types[slot] = (byte) type;
        sentNanos[slot] = now;
        startNanos[slot] = intendedNanos;
        busy[slot] = true;
        WorkerStats sink = worker.statsFor(now);
        if (now - intendedNanos > 1_000_000) sink.increment(WorkerStats.BEHIND_SCHEDULE);
        sink.increment(WorkerStats.SENT + type);
        if (out == batch) {
            if (++batched == GSO_SEGMENTS) writeBatch();
        } else {
            channel.write(new DatagramPacket(out, target), channel.voidPromise());
        }
    }

    /**
     * The batched announces leave in one send: the kernel cuts the buffer into 98-byte
     * datagrams, so the tracker sees ordinary packets while this side pays the send path once.
     */
    private void writeBatch() {
        if (batch == null) return;
        Object packet = batched == 1 ? new DatagramPacket(batch, target)
            : new SegmentedDatagramPacket(batch, ANNOUNCE_LENGTH, target);
        channel.write(packet, channel.voidPromise());
        batch = null;
        batched = 0;
    }

    @Override
    public void flush() {
        writeBatch();
        channel.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramPacket packet = (DatagramPacket) msg;
        try {
            onReply(packet.content(), System.nanoTime());
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        worker.afterReplies(this);
        flush();
    }

    private void onReply(ByteBuf in, long now) {
        int length = in.readableBytes();
        if (length < 8) {
            stats.invalid("reply of " + length + " bytes");
            return;
        }
        int base = in.readerIndex();
        int action = in.getInt(base);
        int tid = in.getInt(base + 4);
        int slot = tid & ((1 << SLOT_BITS) - 1);
        if (slot >= busy.length || !busy[slot] || tids[slot] != tid) {
            stats.increment(WorkerStats.LATE_REPLIES);
            return;
        }
        int type = types[slot];
        busy[slot] = false;
        free[freeCount++] = slot;
        WorkerStats sink = worker.statsFor(sentNanos[slot]);
        sink.latency.recordValue(Math.max(0, now - startNanos[slot]));
        if (type == Workload.CONNECT) connecting = false;
        if (action == 3) {
            // the text is read once, for the report
            sink.errorReply(sink.firstError != null ? null
                : in.toString(base + 8, length - 8, StandardCharsets.UTF_8));
            return;
        }
        String problem = check(in, base, length, action, type, expected[slot]);
        if (problem != null) {
            sink.invalid(problem);
            return;
        }
        sink.increment(WorkerStats.ANSWERED + type);
        if (type == Workload.CONNECT) {
            connectionId = in.getLong(base + 8);
            boolean first = !hasId;
            hasId = true;
            idNanos = now;
            if (first) worker.onConnected();
        } else if (type == Workload.ANNOUNCE) {
            sink.add(WorkerStats.PEERS_RECEIVED, (length - 20) / (ipv6 ? 18 : 6));
        }
    }

    /** Null if the reply fits the request, else what is wrong with it. */
    private String check(ByteBuf in, int base, int length, int action, int type, int expect) {
        if (action != type) return "action " + action + " in reply to a request of action " + type;
        switch (type) {
            case Workload.CONNECT:
                return length == 16 ? null : "connect reply of " + length + " bytes";
            case Workload.ANNOUNCE:
                int peerSize = ipv6 ? 18 : 6;
                if (length < 20 || (length - 20) % peerSize != 0) return "announce reply of " + length + " bytes";
                if ((length - 20) / peerSize > expect) return "more peers than numwant";
                if (in.getInt(base + 8) <= 0 || in.getInt(base + 12) < 0 || in.getInt(base + 16) < 0) {
                    return "announce reply with a bad interval or count";
                }
                return null;
            default:
                if (length != 8 + 12 * expect) return "scrape reply of " + length + " bytes for " + expect + " hashes";
                for (int i = 8; i < length; i += 4) {
                    if (in.getInt(base + i) < 0) return "negative scrape count";
                }
                return null;
        }
    }


    /** Frees slots whose request got no reply in time; counts each as a timeout. */
    @Override
    public void expire(long now, long timeoutNanos) {
        for (int slot = 0; slot < busy.length; slot++) {
            if (busy[slot] && now - sentNanos[slot] > timeoutNanos) {
                busy[slot] = false;
                free[freeCount++] = slot;
                if (types[slot] == Workload.CONNECT) connecting = false;
                worker.statsFor(sentNanos[slot]).increment(WorkerStats.TIMEOUTS);
            }
        }
    }
}
