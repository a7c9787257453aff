package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.http.server.HttpMetrics.Reason;
import trackerd.swarm.SwarmRequest;

/**
 * One HTTP connection: reads request heads straight from the bytes ({@link HttpHeadScanner}),
 * keeps the connection's rules (order, keep-alive, closing, timeouts, the WebSocket door) and
 * has each request answered by its loop's {@link HttpRequests}, which hands announces and scrapes
 * to the swarms through the loop's gateway ({@link HttpLoop}).
 *
 * <p><b>Input.</b> A read is parsed in place; only a partial request left at its end is kept, in
 * a pooled cumulation buffer of this connection, released as soon as it is consumed (an idle
 * keep-alive connection holds no buffer). A head longer than {@code http.max_request_bytes} gets
 * 414 or 431, a body 413 (a tracker request has none, and reading one past its length would
 * desynchronise the stream), a method other than GET/HEAD 405, a malformed head 400; the statuses
 * that leave the stream in doubt (400, 413, 414, 431) close the connection after the answer.
 *
 * <p><b>Order.</b> Pipelined requests are answered strictly in request order, though announces
 * to different shards come back in any order: each request takes the next sequence number and its
 * answer goes into a ring slot; the ring is written out from its head while the head slot is
 * ready. At most {@link HttpSettings#MAX_PIPELINED} requests may be unanswered: past that the
 * connection is not read (auto-read off) until answers go out, so memory stays bounded whatever
 * the client sends.
 *
 * <p><b>Output.</b> On a plain connection over epoll, an answer due next with nothing queued in the
 * channel is written in place into the loop's {@link HttpSendBuffer} and sent with one
 * {@code send(2)} at the flush; otherwise (TLS, NIO, bytes waiting for EPOLLOUT) answers are pooled
 * buffers written through the channel and flushed once at the end of the batch.
 *
 * <p><b>Closing.</b> {@code Connection: close} (and HTTP/1.0 without keep-alive) is honoured: no
 * request after it is read, and the connection closes once its answer is written; so does a
 * client that shuts its sending side (half-close) after its last request. When the
 * connection closes with answers still out, they come back to {@link HttpLoop}, which sees
 * {@link #closed} and releases them; buffers waiting in the ring are released here.
 *
 * <p><b>Timeouts.</b> The loop's once-a-second sweep ({@link HttpLoop#closeTimedOut}) closes a
 * connection that sent nothing for {@code http.read_timeout_seconds} (no timer per connection); a
 * client that trickles a head slower than that (slowloris) is closed at its first read past the
 * deadline.
 *
 * <p><b>Counting.</b> The acceptor counted the connection into {@code http.max_connections};
 * {@code channelInactive} counts it out, or, once the WebSocket door has taken it, a close
 * listener of the loop's.
 *
 * <p>Only on its event loop's thread.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter implements HttpExchange {
    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);
    private static final int INITIAL_RING = 4;

    private final HttpSettings settings;
    private final int maxRequestBytes;
    private HttpLoop loop;
    private HttpMetrics metrics;
    /** The loop's buffer for answers written in place, or null (TLS, NIO, no direct addresses). */
    private HttpSendBuffer sendBuffer;
    /** The descriptor, for answers written in place; null when they are not. */
    private Socket socket;
    private ChannelHandlerContext ctx;
    private Channel channel;

    // the TCP peer, fixed for the connection
    private boolean peerIpv6;
    private long peer0;
    private long peer1;
    private boolean peerIsTrustedProxy;

    // input
    private ByteBuf cumulation;
    /** Bytes of the partial head at the reader index already searched for its end. */
    private int searched;
    /** When the partial head began (seconds since start), or -1 when none is pending. */
    private long partialSince = -1;
    /** No more requests are read: a close was asked for, or the stream is in doubt. */
    private boolean stopReading;
    /** The client shut its sending side (half-close): no bytes will follow what was read. */
    private boolean inputShut;
    /** Auto-read is off because too many answers are out. */
    private boolean paused;
    private boolean resumeScheduled;
    /** Made on the first pause: most connections never need it. */
    private Runnable resume;
    /** When the last bytes arrived (seconds since start), for the read-timeout sweep. */
    private long lastReadSeconds;
    /** Still counted in {@code http.max_connections} by this handler. */
    private boolean counted;
    /** The index in its loop's list of open connections, or -1. */
    int openIndex = -1;

    // answers, in request order
    private ByteBuf[] ring = new ByteBuf[INITIAL_RING];
    /** The oldest request not yet written, and the next sequence number to give out. */
    private long headSeq;
    private long nextSeq;
    /** The request whose answer closes the connection, or -1. */
    private long closeAfterSeq = -1;
    private boolean closed;
    private boolean wroteSinceFlush;
    /** In its loop's list of connections to flush at the end of the batch. */
    boolean dirty;

    HttpConnection(HttpSettings settings) {
        this.settings = settings;
        this.maxRequestBytes = settings.http().maxRequestBytes();
    }

    /**
     * The loop's shared state; set by the initializer before the channel is active.
     *
     * @param noTls no {@code SslHandler} in the pipeline: answers may go straight to the socket
     */
    void attach(HttpLoop httpLoop, boolean noTls) {
        this.loop = httpLoop;
        this.sendBuffer = noTls ? httpLoop.sendBuffer : null;
        this.metrics = httpLoop.metrics;
        this.counted = true;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
        channel = context.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext context) throws Exception {
        InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
        ClientAddress client = loop.client;
        client.setPeer(remote.getAddress());
        peerIpv6 = client.ipv6;
        peer0 = client.address0;
        peer1 = client.address1;
        peerIsTrustedProxy = settings.trustsProxy(peerIpv6, peer0, peer1);
        if (sendBuffer != null && channel instanceof UnixChannel unix && unix.fd() instanceof Socket s) {
            socket = s;
        } else {
            sendBuffer = null; // NIO: no descriptor to send on
        }
        lastReadSeconds = loop.context.nowSeconds();
        loop.add(this);
        super.channelActive(context);
    }

    boolean closed() {
        return closed;
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /** In the loop's send buffer when this is the next answer to go out and it may, else a pooled buffer. */
    @Override
    public ByteBuf answerBuffer(long seq, int length) {
        if (sendBuffer != null && seq == headSeq && !closed) {
            ByteBuf inPlace = sendBuffer.claim(this, socket, length);
            if (inPlace != null) return inPlace;
        }
        return channel.alloc().buffer(length, length);
    }

    /** Nothing of this connection waits in its channel (written or flushed but not yet sent). */
    boolean nothingQueued() {
        ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        return queued != null && queued.totalPendingWriteBytes() == 0 && !wroteSinceFlush;
    }

    // ---------------------------------------------------------------- input

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            context.fireChannelRead(msg);
            return;
        }
        metrics.received(peerIpv6, in.readableBytes());
        lastReadSeconds = loop.context.nowSeconds();
        if (stopReading || closed) {
            in.release();
            return;
        }
        try {
            if (cumulation == null) {
                process(in);
                if (in.isReadable() && !stopReading && !closed) {
                    cumulation = channel.alloc().buffer(Math.max(256, in.readableBytes()));
                    cumulation.writeBytes(in);
                }
            } else {
                cumulation.writeBytes(in);
                process(cumulation);
            }
        } catch (RuntimeException e) {
            // a bug, not bad input (the scanner and decoder never throw): close this connection only
            metrics.error(Reason.INTERNAL);
            LOG.error("HTTP request failed (connection closed; the server goes on)", e);
            stopReading = true;
            channel.close();
        } finally {
            in.release();
            tidyCumulation();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        flush();
        loop.context.endReadBatch();
    }

    /** Drops the cumulation once consumed, so an idle connection holds no buffer. */
    private void tidyCumulation() {
        if (cumulation == null) return;
        if (!cumulation.isReadable() || stopReading || closed) {
            cumulation.release();
            cumulation = null;
            searched = 0;
        } else if (cumulation.readerIndex() > 0) {
            cumulation.discardReadBytes();
        }
    }

    /** Reads every whole request in {@code in} (moving its reader index), unless paused or stopped. */
    private void process(ByteBuf in) {
        while (!stopReading && !paused && !closed) {
            int from = HttpHeadScanner.skipEmptyLines(in, in.readerIndex(), in.writerIndex());
            if (from != in.readerIndex()) {
                in.readerIndex(from);
                searched = 0;
            }
            int to = in.writerIndex();
            if (from == to) {
                partialSince = -1;
                return;
            }
            if (nextSeq - headSeq >= HttpSettings.MAX_PIPELINED) {
                pause();
                return;
            }
            HttpRequestHead head = loop.head;
            int status = HttpHeadScanner.scan(in, from, from + searched, to, maxRequestBytes, settings.proxyHeader(), head);
            if (status == HttpHeadScanner.INCOMPLETE) {
                searched = to - from;
                long now = loop.context.nowSeconds();
                if (partialSince < 0) {
                    partialSince = now;
                } else if (now - partialSince >= settings.http().readTimeoutSeconds()) {
                    metrics.error(Reason.READ_TIMEOUT); // a head trickled in too slowly
                    stopReading = true;
                    channel.close();
                }
                return;
            }
            searched = 0;
            partialSince = -1;
            switch (status) {
                case HttpHeadScanner.OK -> {
                    in.readerIndex(head.end);
                    onRequest(in, head);
                }
                case HttpHeadScanner.URI_TOO_LONG -> refuse(Reason.URI_TOO_LONG, HttpResponses.URI_TOO_LONG,
                    HttpResponses.URI_TOO_LONG_BODY);
                case HttpHeadScanner.HEADERS_TOO_LARGE -> refuse(Reason.HEADERS_TOO_LARGE,
                    HttpResponses.HEADERS_TOO_LARGE, HttpResponses.HEADERS_TOO_LARGE_BODY);
                default -> refuse(Reason.MALFORMED_HEAD, HttpResponses.BAD_REQUEST, HttpResponses.BAD_REQUEST_BODY);
            }
        }
    }

    /** Answers with an error status, reads nothing more, and closes after the answer. */
    private void refuse(Reason reason, int status, byte[] body) {
        metrics.error(reason);
        metrics.response(HttpMetrics.ERROR, peerIpv6);
        stopReading = true;
        long seq = nextSeq++;
        closeAfterSeq = seq;
        complete(seq, HttpResponses.whole(this, seq, status, body, false, HttpResponses.CLOSE));
    }

    /** One whole head; its target is still readable in {@code in} at the head's indexes. */
    private void onRequest(ByteBuf in, HttpRequestHead head) {
        if (head.hasBody) {
            refuse(Reason.BODY, HttpResponses.CONTENT_TOO_LARGE, HttpResponses.CONTENT_TOO_LARGE_BODY);
            return;
        }
        boolean keepAlive = head.keepAlive();
        int connection = !keepAlive ? HttpResponses.CLOSE
            : head.minorVersion == 0 ? HttpResponses.KEEP_ALIVE_1_0 : HttpResponses.KEEP_ALIVE;
        if (head.webSocketUpgrade() && head.method == HttpRequestHead.GET && settings.webSocketDoor() != null
                && nextSeq == headSeq) {
            upgrade(in, head);
            return;
        }
        if (connection == HttpResponses.CLOSE) {
            // every path below answers with exactly one sequence number: this one
            stopReading = true;
            closeAfterSeq = nextSeq;
        }
        if (!loop.requests.answer(this, in, head, connection)) {
            throw new IllegalStateException("a Netty connection can always wait for a full scrape");
        }
    }

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
    public long takeSeq(SwarmRequest swarm) {
        return nextSeq++;
    }

    @Override
    public boolean closed(long seq) {
        return closed;
    }

    // ---------------------------------------------------------------- WebSocket door

    /** Hands the connection, from this request on, to the WebTorrent front end. */
    private void upgrade(ByteBuf in, HttpRequestHead head) {
        in.readerIndex(head.start);
        ByteBuf request = in.readRetainedSlice(in.readableBytes());
        stopReading = true; // nothing more for this handler
        flush(); // answers written in place go before the handshake's
        counted = false; // the connection still counts until it closes, which the loop's listener sees
        channel.closeFuture().addListener(loop.onUpgradedClose);
        settings.webSocketDoor().open(ctx, request);
        ctx.fireChannelRead(request);
        ctx.pipeline().remove(this);
    }

    // ---------------------------------------------------------------- output

    /** The answer to request {@code seq}: written now if every earlier one is out, else kept in order. */
    @Override
    public void complete(long seq, ByteBuf out) {
        if (sendBuffer != null && sendBuffer.isBuffer(out)) {
            // written in place, so due next (answerBuffer saw to that) and this connection is open
            metrics.sent(peerIpv6, sendBuffer.answerLength());
            headSeq++;
            if (seq == closeAfterSeq) {
                closeAfterAnswer();
                return;
            }
            drainReady();
            return;
        }
        if (closed) {
            out.release();
            return;
        }
        if (seq == headSeq) {
            write(out, seq);
            headSeq++;
            drainReady();
            return;
        }
        int index = slot(seq);
        ring[index] = out;
    }

    /** Writes ready answers from the ring's head. */
    private void drainReady() {
        while (headSeq < nextSeq && !closed) {
            int index = (int) (headSeq & (ring.length - 1));
            ByteBuf out = ring[index];
            if (out == null) break;
            ring[index] = null;
            write(out, headSeq);
            headSeq++;
        }
        if (paused && nextSeq - headSeq <= HttpSettings.MAX_PIPELINED / 2 && !resumeScheduled) {
            resumeScheduled = true;
            if (resume == null) resume = this::resume;
            channel.eventLoop().execute(resume);
        }
    }

    /** The ring index for {@code seq}, growing the ring (a power of two) if it is not yet that deep. */
    private int slot(long seq) {
        int depth = (int) (nextSeq - headSeq);
        if (depth > ring.length) {
            int length = ring.length;
            while (length < depth) length *= 2;
            ByteBuf[] grown = new ByteBuf[length];
            for (long s = headSeq; s < nextSeq; s++) {
                grown[(int) (s & (length - 1))] = ring[(int) (s & (ring.length - 1))];
            }
            ring = grown;
        }
        return (int) (seq & (ring.length - 1));
    }

    private void write(ByteBuf out, long seq) {
        metrics.sent(peerIpv6, out.readableBytes());
        // while this connection owns the send buffer, its answers go there, in order
        boolean owner = sendBuffer != null && sendBuffer.ownedBy(this);
        if (!owner || !sendBuffer.append(out)) {
            if (owner) sendOwned(); // the buffer is full: its bytes go first
            ctx.write(out, ctx.voidPromise());
            wroteSinceFlush = true;
        }
        if (seq == closeAfterSeq) closeAfterAnswer();
    }

    /** The answer that closes the connection is written: send everything, then close. */
    private void closeAfterAnswer() {
        flush();
        markClosed();
        ChannelOutboundBuffer unsent = channel.unsafe().outboundBuffer();
        if (unsent == null || unsent.isEmpty()) {
            // the common case: the kernel took the whole answer, so close now; no promise and
            // no listener round trip (the kernel still sends the bytes before its FIN)
            ctx.close();
        } else {
            // the socket buffer is full: close once what is queued has gone out
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Sends the answers written in place, then flushes the channel if anything was written to it. */
    void flush() {
        if (sendBuffer != null && sendBuffer.ownedBy(this)) sendOwned();
        if (wroteSinceFlush) {
            wroteSinceFlush = false;
            ctx.flush();
        }
    }

    /**
     * One send(2) of this connection's bytes in the loop's send buffer, which it gives up; what the
     * socket did not take goes through the channel.
     */
    void sendOwned() {
        int rest;
        try {
            rest = sendBuffer.send();
        } catch (IOException e) {
            // reset or broken pipe: the client is gone, as Netty's own write would find
            markClosed();
            ctx.close();
            return;
        }
        if (rest == 0) return;
        ByteBuf unsent = channel.alloc().buffer(rest, rest);
        sendBuffer.rest(unsent);
        // nothing else of this connection is in the channel (claim saw to that): flushed now, Netty
        // finishes it on EPOLLOUT
        ctx.writeAndFlush(unsent, ctx.voidPromise());
    }

    private void pause() {
        paused = true;
        channel.config().setAutoRead(false);
    }

    /** Answers went out after a pause: read what is buffered, then the socket again. */
    private void resume() {
        resumeScheduled = false;
        if (closed || !paused) return;
        paused = false;
        if (cumulation != null) {
            try {
                process(cumulation);
            } finally {
                tidyCumulation();
            }
        }
        flush();
        loop.context.endReadBatch();
        if (inputShut) finishAfterInput();
        if (!paused && !stopReading && !closed) channel.config().setAutoRead(true);
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent) {
            // the client sent its last request and shut its side (shutdown(SHUT_WR), "nc -N"):
            // answer what it asked, then close
            inputShut = true;
            finishAfterInput();
            return;
        }
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            // SslHandler closes the connection itself after a failed handshake
            metrics.tlsHandshake(handshake.isSuccess());
            return;
        }
        super.userEventTriggered(context, event);
    }

    /**
     * The client sent all it will: close after the answer to its last request, or now (once what
     * the channel holds is sent) if all are out. Requests still buffered while paused are read
     * first: {@link #resume} comes back here.
     */
    private void finishAfterInput() {
        if (closed || paused && cumulation != null) return;
        stopReading = true;
        if (nextSeq == headSeq) {
            closeAfterAnswer();
        } else if (closeAfterSeq < 0) {
            closeAfterSeq = nextSeq - 1;
        }
    }

    /**
     * From the loop's sweep: closes an idle keep-alive connection, or a client that stopped
     * mid-head, silent for more than {@code timeoutSeconds}; not one waiting for its answers.
     */
    void closeIfTimedOut(long nowSeconds, long timeoutSeconds) {
        if (closed || nowSeconds - lastReadSeconds <= timeoutSeconds) return;
        if (nextSeq == headSeq || cumulation != null) {
            metrics.error(Reason.READ_TIMEOUT);
            stopReading = true;
            channel.close();
        }
    }

    /** Shutdown: read nothing more (answers to what was read still go out). */
    void stopReadingForShutdown() {
        channel.config().setAutoRead(false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        markClosed();
        if (counted) {
            counted = false;
            loop.connectionClosed();
        }
        super.channelInactive(context);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        markClosed();
    }

    /** From now on answers are dropped; what the ring and cumulation hold is released. */
    private void markClosed() {
        if (closed) return;
        closed = true;
        stopReading = true;
        loop.remove(this);
        if (sendBuffer != null && sendBuffer.ownedBy(this)) sendBuffer.disown();
        for (int i = 0; i < ring.length; i++) {
            if (ring[i] != null) {
                ring[i].release();
                ring[i] = null;
            }
        }
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // connection resets and the like: the peer's doing, not ours
        markClosed();
        context.close();
    }
}
