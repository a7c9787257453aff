package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.DirectAcceptChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.Errors;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.http.server.HttpMetrics.Reason;
import trackerd.runtime.AcceptBackoff;
import trackerd.swarm.SwarmRequest;

/**
 * The direct accept path of one event loop's plain-HTTP listening sockets: a new connection whose
 * first read is one whole {@code Connection: close} request (or HTTP/1.0 without keep-alive), as
 * most BitTorrent clients send, is answered straight on its descriptor, with no Netty channel,
 * pipeline, promise or {@link HttpConnection}: accept4, recv, send, close.
 *
 * <pre>
 * accept4 (TCP_DEFER_ACCEPT: the request is already there)
 *   recv into this loop's buffer
 *     one whole GET/HEAD head, nothing after it, closes after its answer, no body, no upgrade
 *       -> {@link HttpRequests#answer}: health, 404, failures answered now (send, close);
 *          announce/scrape parked by request index until the swarm answers (send, close)
 *     anything else (EAGAIN, a partial head, keep-alive, pipelining, a WebSocket upgrade,
 *       a full scrape, a head the scanner refuses)
 *       -> a normal EpollSocketChannel + HttpConnection on this loop, the bytes read fired first
 *   a send the socket did not take whole -> a channel writes the rest, then closes (or closes
 *     after http.read_timeout_seconds when the client does not take it)
 * </pre>
 *
 * <p>A connection parked for a swarm answer costs no object: its descriptor and peer sit in
 * arrays indexed by the swarm request's index (the gateway's pool bounds them, and every request
 * is answered, inline or by a swarm worker, so no timeout is needed); {@link #closeWaiting} closes
 * them at shutdown, after which their answers are dropped and counted. Accounting is the same as
 * on the channel path: {@code http.max_connections} and the open-connections gauge, received and
 * sent bytes by the TCP peer's family, requests/responses/errors through {@link HttpRequests}.
 *
 * <p>One per socket-worker loop; only on that loop's thread.
 */
final class HttpDirectAccept implements DirectAcceptChannel.Acceptor, HttpExchange {
    private static final Logger LOG = LoggerFactory.getLogger(HttpDirectAccept.class);
    /** TCP_DEFER_ACCEPT: one SYN-ACK retransmission (about a second) before a silent connection is accepted anyway. */
    static final int DEFER_ACCEPT_SECONDS = 1;
    /** The sequence number of an answer given while its connection is being read. */
    private static final long NOW = -1;

    private final HttpLoop loop;
    private final HttpSettings settings;
    private final HttpMetrics metrics;
    private final int maxConnections;
    private final int maxRequestBytes;
    private final int readTimeoutSeconds;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    /**
     * This loop's read buffer: one head at most {@code http.max_request_bytes} long and one byte
     * more, so a read that fills it is never a request answered here.
     */
    private final ByteBuf in;
    private final long inAddress;

    // the connection being read now; fd is -1 once it is answered, parked or handed to a channel
    private int fd = -1;
    private DirectAcceptChannel server;
    private boolean peerIpv6;
    private long peer0;
    private long peer1;
    private int peerPort;
    private boolean peerIsTrustedProxy;

    // connections waiting for a swarm answer, by request index; fd -1: none (or closed at shutdown)
    private final int[] waitingFd;
    private final boolean[] waitingIpv6;
    private final long[] waiting0;
    private final long[] waiting1;
    private final int[] waitingPort;
    private int waitingCount;
    /** Requests taken on this path rather than handed to a channel (tests; this loop only). */
    private long taken;
    /** Answers of this path whose rest a channel wrote (tests; this loop only). */
    private long finishedByChannel;
    /**
     * Most bytes one send(2) is given: everything, except in a test of the rest-by-a-channel path
     * (a fresh loopback socket takes any answer this tracker makes whole).
     */
    private int sendLimitBytes = Integer.MAX_VALUE;
    /** SO_SNDBUF of a channel that writes the rest of an answer: 0, the kernel's, except in tests. */
    private int restSendBufferBytes;

    HttpDirectAccept(HttpLoop loop) {
        this.loop = loop;
        this.settings = loop.settings;
        this.metrics = loop.metrics;
        this.maxConnections = settings.http().maxConnections();
        this.maxRequestBytes = settings.http().maxRequestBytes();
        this.readTimeoutSeconds = settings.http().readTimeoutSeconds();
        this.in = Unpooled.directBuffer(maxRequestBytes + 1, maxRequestBytes + 1);
        this.inAddress = in.memoryAddress();
        int slots = loop.gateway.capacity();
        waitingFd = new int[slots];
        Arrays.fill(waitingFd, -1);
        waitingIpv6 = new boolean[slots];
        waiting0 = new long[slots];
        waiting1 = new long[slots];
        waitingPort = new int[slots];
    }

    // ---------------------------------------------------------------- accept

    @Override
    public void accepted(DirectAcceptChannel listener, int accepted, byte[] remote, int offset, int length) {
        if (settings.openConnections().incrementAndGet() > maxConnections) {
            settings.openConnections().decrementAndGet();
            metrics.refused();
            DirectAcceptChannel.close(accepted);
            return;
        }
        metrics.connections(1);
        fd = accepted;
        server = listener;
        ClientAddress client = loop.client;
        peerPort = client.setPeer(remote, offset, length);
        peerIpv6 = client.ipv6;
        peer0 = client.address0;
        peer1 = client.address1;
        peerIsTrustedProxy = settings.trustsProxy(peerIpv6, peer0, peer1);
        try {
            read();
        } catch (RuntimeException e) {
            // a bug, not bad input (the scanner and decoder never throw): close this connection only
            metrics.error(Reason.INTERNAL);
            LOG.error("HTTP request failed (connection closed; the server goes on)", e);
        } finally {
            if (fd >= 0) closeNow(fd);
            fd = -1;
            server = null;
        }
    }

    /** The first read of the connection in {@link #fd}: answered here, or handed to a channel. */
    private void read() {
        int capacity = in.capacity();
        int n = DirectAcceptChannel.recv(fd, inAddress, 0, capacity);
        if (n <= 0) {
            if (n == Errors.ERRNO_EAGAIN_NEGATIVE || n == Errors.ERRNO_EWOULDBLOCK_NEGATIVE) {
                toChannel(0); // nothing yet (deferred accept timed out): read as usual
            }
            // else 0: closed without a request, or reset: the finally of accepted() closes it
            return;
        }
        in.setIndex(0, n);
        if (n == capacity) { // more may follow: too long for this path, or several requests
            toChannel(n);
            return;
        }
        HttpRequestHead head = loop.head;
        int from = HttpHeadScanner.skipEmptyLines(in, 0, n);
        if (from == n
                || HttpHeadScanner.scan(in, from, from, n, maxRequestBytes, settings.proxyHeader(), head)
                    != HttpHeadScanner.OK
                || head.end != n || head.hasBody || head.keepAlive() || head.webSocketUpgrade()) {
            toChannel(n);
            return;
        }
        if (!loop.requests.answer(this, in, head, HttpResponses.CLOSE)) {
            toChannel(n); // a full scrape that may have to wait for the next snapshot
            return;
        }
        metrics.received(peerIpv6, n);
        taken++;
    }

    /**
     * The current connection becomes a normal channel with its {@link HttpConnection}, which reads
     * the {@code bytes} already taken from the socket first, then the socket.
     */
    private void toChannel(int bytes) {
        EpollSocketChannel child = DirectAcceptChannel.socketChannel(server, fd,
            remoteAddress(peerIpv6, peer0, peer1, peerPort));
        fd = -1; // the channel's now (until here a failure leaves it to accepted() to close)
        HttpConnection connection = loop.serve(child, null);
        if (connection == null || bytes == 0 || !child.isRegistered()) return;
        ByteBuf read = alloc.buffer(bytes);
        read.writeBytes(in, 0, bytes);
        child.pipeline().fireChannelRead(read);
        child.pipeline().fireChannelReadComplete();
    }

    @Override
    public void acceptBatchEnd() {
        // inline answers go out now, and swarm workers given work are woken
        loop.context.endReadBatch();
    }

    @Override
    public void acceptFailed(DirectAcceptChannel listener, Throwable cause) {
        AcceptBackoff.pause(listener, "HTTP", LOG, cause);
    }

    // ---------------------------------------------------------------- HttpExchange

    @Override
    public boolean peerIpv6() {
        return peerIpv6;
    }

    @Override
    public long peer0() {
        return peer0;
    }

    @Override
    public long peer1() {
        return peer1;
    }

    @Override
    public boolean peerIsTrustedProxy() {
        return peerIsTrustedProxy;
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public ByteBuf answerBuffer(long seq, int length) {
        return alloc.buffer(length, length);
    }

    /** Now, or parks the current connection under the swarm request's index until its answer. */
    @Override
    public long takeSeq(SwarmRequest swarm) {
        if (swarm == null) return NOW;
        int slot = swarm.index();
        waitingFd[slot] = fd;
        waitingIpv6[slot] = peerIpv6;
        waiting0[slot] = peer0;
        waiting1[slot] = peer1;
        waitingPort[slot] = peerPort;
        waitingCount++;
        fd = -1;
        return slot;
    }

    @Override
    public boolean closed(long seq) {
        return seq != NOW && waitingFd[(int) seq] < 0;
    }

    /** Sends the answer and closes the connection. */
    @Override
    public void complete(long seq, ByteBuf out) {
        if (seq == NOW) {
            int target = fd;
            fd = -1;
            sendAndClose(target, peerIpv6, peer0, peer1, peerPort, out);
            return;
        }
        int slot = (int) seq;
        int target = waitingFd[slot];
        if (target < 0) {
            out.release();
            return;
        }
        waitingFd[slot] = -1;
        waitingCount--;
        sendAndClose(target, waitingIpv6[slot], waiting0[slot], waiting1[slot], waitingPort[slot], out);
    }

    private void sendAndClose(int target, boolean ipv6, long a0, long a1, int port, ByteBuf out) {
        int length = out.readableBytes();
        metrics.sent(ipv6, length);
        if (out.hasMemoryAddress()) {
            int sent = DirectAcceptChannel.send(target, out.memoryAddress(), out.readerIndex(),
                out.readerIndex() + Math.min(length, sendLimitBytes));
            if (sent == length) {
                out.release();
                closeNow(target); // the kernel sends the bytes before its FIN
                return;
            }
            if (sent < 0 && sent != Errors.ERRNO_EAGAIN_NEGATIVE && sent != Errors.ERRNO_EWOULDBLOCK_NEGATIVE) {
                out.release(); // reset, broken pipe: the client is gone
                closeNow(target);
                return;
            }
            if (sent > 0) out.skipBytes(sent);
        }
        // the socket did not take it whole (or the buffer has no address): a channel writes the rest
        EpollSocketChannel child;
        try {
            child = DirectAcceptChannel.socketChannel(null, target, remoteAddress(ipv6, a0, a1, port));
        } catch (RuntimeException e) { // a bug: this connection only, never the caller's batch
            metrics.error(Reason.INTERNAL);
            LOG.error("HTTP answer could not be handed to a channel (connection closed)", e);
            out.release();
            closeNow(target);
            return;
        }
        if (restSendBufferBytes > 0) child.config().setSendBufferSize(restSendBufferBytes);
        child.pipeline().addLast("drain", Drain.INSTANCE);
        child.closeFuture().addListener(loop.onUpgradedClose); // counts the connection out when it closes
        ChannelFuture registered = loop.loop.register(child);
        if (registered.isDone() && !registered.isSuccess()) {
            out.release(); // Netty closed it, and the close listener counted it out
            return;
        }
        finishedByChannel++;
        child.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        if (child.isOpen()) {
            // a client that does not read would hold this connection (and its max_connections slot)
            // forever: closed after http.read_timeout_seconds, as HttpConnection#closeIfTimedOut
            // closes a connection whose answer is not taken (rare path: the allocations are fine)
            ScheduledFuture<?> timeout = child.eventLoop().schedule(() -> closeStalled(child), readTimeoutSeconds,
                TimeUnit.SECONDS);
            child.closeFuture().addListener(closed -> timeout.cancel(false));
        }
    }

    /** The rest of a direct answer was not taken within the read timeout: the client is not reading. */
    private void closeStalled(EpollSocketChannel child) {
        if (!child.isOpen()) return;
        metrics.error(Reason.READ_TIMEOUT);
        child.close();
    }

    /** close(2) of a connection of this path, counted out. */
    private void closeNow(int target) {
        DirectAcceptChannel.close(target);
        loop.connectionClosed();
    }

    HttpLoop loop() {
        return loop;
    }

    /** Requests this loop answered on the direct path (tests). */
    long taken() {
        return taken;
    }

    /** Tests: send(2) is given at most {@code bytes} of an answer, so that a channel writes the rest. */
    void limitSendsForTests(int bytes) {
        sendLimitBytes = bytes;
    }

    /**
     * Tests: the channel that writes the rest of an answer gets this SO_SNDBUF, so that a client
     * that does not read stalls it (a fresh loopback socket's buffer takes any answer whole).
     */
    void restSendBufferForTests(int bytes) {
        restSendBufferBytes = bytes;
    }

    /** Answers whose rest a channel wrote (tests). */
    long finishedByChannel() {
        return finishedByChannel;
    }

    /** Connections parked for a swarm answer now (tests). */
    int waitingCount() {
        return waitingCount;
    }

    /**
     * Shutdown: closes the connections still waiting for a swarm answer (their answers are then
     * dropped and counted) and frees the read buffer; nothing is accepted any more.
     */
    void closeWaiting() {
        for (int slot = 0; slot < waitingFd.length; slot++) {
            if (waitingFd[slot] >= 0) {
                closeNow(waitingFd[slot]);
                waitingFd[slot] = -1;
                waitingCount--;
            }
        }
        if (in.refCnt() > 0) in.release();
    }

    private static InetSocketAddress remoteAddress(boolean ipv6, long a0, long a1, int port) {
        byte[] bytes = new byte[ipv6 ? 16 : 4];
        if (ipv6) {
            for (int i = 0; i < 8; i++) {
                bytes[i] = (byte) (a0 >>> (56 - 8 * i));
                bytes[8 + i] = (byte) (a1 >>> (56 - 8 * i));
            }
        } else {
            for (int i = 0; i < 4; i++) bytes[i] = (byte) (a0 >>> (24 - 8 * i));
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    /** The handler of a channel that only writes the rest of a direct answer: reads are dropped. */
    @ChannelHandler.Sharable
    private static final class Drain extends ChannelInboundHandlerAdapter {
        static final Drain INSTANCE = new Drain();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset while the rest was written: the peer's doing
        }
    }
}
