package trackerd.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.epoll.EpollEventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * One TCP connection of a load worker with one request in flight (HTTP/1.1 without pipelining,
 * or a WebTorrent client waiting for its announce reply). Opens the connection, with TLS when
 * the target is https/wss, opens it again when the tracker closes it, and sends a request once
 * more when a connection that had already served a reply dies under it (the tracker closed an
 * idle keep-alive connection as the request left, which HTTP clients retry). Subclasses add the
 * protocol: their handlers, the request bytes, and the checks on replies.
 */
abstract class TcpSession extends ChannelInboundHandlerAdapter implements LoadSession {
    final LoadWorker worker;
    final WorkerStats stats;
    final SplittableRandom random;
    final LoadTestConfig.Target target;
    private final SslContext ssl;
    private final Bootstrap bootstrap;

    /** The current connection, or null between connections. */
    private Channel channel;
    private boolean ready;
    private boolean connecting;
    /** Whether the current connection has carried a complete reply already. */
    private boolean reused;

    private boolean busy;
    private long sentNanos;
    private long intendedNanos;
    /** The request in flight, kept until its reply for a resend; written once the connection is ready. */
    private ByteBuf request;
    private boolean written;
    private boolean resent;
    /** Why the current connection broke, if an exception said so. */
    private String closeCause;

    TcpSession(LoadWorker worker, SslContext ssl) {
        this.worker = worker;
        this.stats = worker.stats;
        this.random = worker.random.split();
        this.target = worker.config.target();
        this.ssl = ssl;
        TcpSession session = this;
        bootstrap = new Bootstrap().group(worker.loop)
            .channelFactory(worker.loop instanceof EpollEventLoop ? EpollSocketChannel::new : NioSocketChannel::new)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ChannelPipeline pipeline = ch.pipeline();
                    if (ssl != null) pipeline.addLast("tls", tlsHandler(ch));
                    addHandlers(pipeline);
                    pipeline.addLast("session", session);
                }
            });
    }

    @Override
    public boolean isSharable() {
        return true; // one connection at a time, but a new one after each close
    }

    private SslHandler tlsHandler(Channel ch) {
        InetSocketAddress address = target.address();
        SslHandler handler = ssl.newHandler(ch.alloc(), address.getHostString(), address.getPort());
        if (target.tlsVerify()) {
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return handler;
    }

    /** The protocol's handlers, between TLS and this session. */
    abstract void addHandlers(ChannelPipeline pipeline);

    /** Builds the next request; returns its type ({@link Workload#ANNOUNCE} or {@link Workload#SCRAPE}). */
    abstract int newRequest(ByteBuf out, long now);

    /** What goes down the pipeline for request bytes (the bytes themselves, or a frame around them). */
    Object message(ByteBuf bytes) {
        return bytes;
    }

    private void connect() {
        connecting = true;
        reused = false;
        closeCause = null;
        bootstrap.connect(target.address()).addListener(future -> {
            if (future.isSuccess()) {
                worker.statsFor(System.nanoTime()).increment(WorkerStats.CONNECTIONS_OPENED);
                return; // ready once the protocol's handshake is done
            }
            connecting = false;
            stats.connectFailed(connectFailure(future.cause()), worker.counts(System.nanoTime()));
            if (busy) fail(null); // the request is lost with its connection; the next send tries again
        });
    }

    /**
     * The OS's reason alone ("connect failed: Connection refused"), without Netty's wrapping
     * ("finishConnect(..) failed: Connection refused: /1.2.3.4:80"): the address is said once
     * by whoever reports it.
     */
    static String connectFailure(Throwable cause) {
        String message = cause.getMessage();
        if (message == null) return "connect failed: " + cause.getClass().getSimpleName();
        int failed = message.indexOf("failed: ");
        if (failed >= 0) message = message.substring(failed + "failed: ".length());
        int address = message.lastIndexOf(": /");
        if (address > 0) message = message.substring(0, address);
        return "connect failed: " + message;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.channelActive(ctx);
        if (ssl == null) transportReady();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake && ctx.channel() == channel) {
            if (handshake.isSuccess()) {
                transportReady();
            } else {
                handshakeFailed("TLS handshake failed: " + handshake.cause().getMessage());
            }
        }
        super.userEventTriggered(ctx, event);
    }

    /** TCP is up (and TLS, for https/wss). HTTP can send now; WebSocket has its own handshake first. */
    void transportReady() {
        ready();
    }

    /** A TLS or WebSocket handshake failed: counted as a failed connect, the connection is closed. */
    final void handshakeFailed(String reason) {
        connecting = false;
        stats.connectFailed(reason, worker.counts(System.nanoTime()));
        if (busy) fail(null);
        close();
    }

    /** The protocol's handshake is done: requests can go. */
    final void ready() {
        ready = true;
        connecting = false;
        worker.onConnected();
        if (busy && !written) write();
        flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel() != channel) { // a connection this session closed and left already
            super.channelInactive(ctx);
            return;
        }
        boolean wasReused = reused;
        channel = null;
        ready = false;
        connecting = false;
        if (busy && written) {
            if (wasReused && !resent) {
                resent = true; // the tracker closed a kept-alive connection as the request left: once more
                written = false;
                connect();
            } else {
                fail(closeCause != null ? "connection error: " + closeCause : "connection closed before the reply");
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // the close decides: a reset on a reused connection is the keep-alive race, sent again
        if (ctx.channel() == channel) closeCause = cause.getMessage();
        ctx.close();
    }

    @Override
    public void start(long now) {
        connect();
    }

    @Override
    public void retry(long now, long timeoutNanos) {
        if (channel == null && !connecting) connect();
    }

    @Override
    public boolean connected() {
        return ready;
    }

    @Override
    public boolean canSend() {
        return !busy;
    }

    @Override
    public boolean idle() {
        return !busy;
    }

    @Override
    public void send(long intendedNanos, long now) {
        ByteBuf out = allocate();
        int type = newRequest(out, now);
        busy = true;
        written = false;
        resent = false;
        request = out;
        sentNanos = now;
        this.intendedNanos = intendedNanos;
        WorkerStats sink = worker.statsFor(now);
        if (now - intendedNanos > 1_000_000) sink.increment(WorkerStats.BEHIND_SCHEDULE);
        sink.increment(WorkerStats.SENT + type);
        if (ready) write();
        else if (!connecting) connect();
    }

    final ByteBuf allocate() {
        return PooledByteBufAllocator.DEFAULT.directBuffer(512);
    }

    /** Writes a message outside the one-request window (a WebRTC answer); dropped when not connected. */
    final void writeOther(Object message) {
        if (ready && channel != null) channel.write(message, channel.voidPromise());
        else ReferenceCountUtil.release(message);
    }

    private void write() {
        written = true;
        channel.write(message(request.retainedDuplicate()), channel.voidPromise());
    }

    @Override
    public void flush() {
        if (ready && channel != null) channel.flush();
    }

    /**
     * The reply to the request in flight arrived: frees the session and records the latency.
     * Returns where the rest of the reply is counted (see {@link LoadWorker#statsFor}).
     */
    final WorkerStats replied(long now) {
        busy = false;
        reused = true;
        request.release();
        request = null;
        WorkerStats sink = worker.statsFor(sentNanos);
        sink.latency.recordValue(Math.max(0, now - intendedNanos));
        return sink;
    }

    /** Whether {@code ch} is this session's current connection (not one it closed and left). */
    final boolean current(Channel ch) {
        return ch == channel;
    }

    /** Whether a request is waiting for its reply. */
    final boolean busy() {
        return busy;
    }

    /** Ends the request in flight without a valid reply; a null reason was counted already. */
    private void fail(String reason) {
        busy = false;
        if (request != null) {
            request.release();
            request = null;
        }
        if (reason != null) worker.statsFor(sentNanos).invalid(reason);
    }

    /** Closes the connection (the next request opens a new one). */
    final void close() {
        ready = false;
        if (channel != null) {
            Channel closing = channel;
            channel = null;
            closing.close();
        }
    }

    @Override
    public void expire(long now, long timeoutNanos) {
        if (busy && now - sentNanos > timeoutNanos) {
            worker.statsFor(sentNanos).increment(WorkerStats.TIMEOUTS);
            fail(null);
            close();
        }
    }

    /** After handling a read batch: in saturation mode the worker sends the next request at once. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        worker.afterReplies(this);
        flush();
    }
}
