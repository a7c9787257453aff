package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.handler.ssl.SslContext;
import java.util.Arrays;
import trackerd.handoff.ResponseHandler;
import trackerd.handoff.SwarmGateway;
import trackerd.http.protocol.AnnounceIntervals;
import trackerd.http.protocol.HttpFailures;
import trackerd.http.protocol.HttpTrackerRequest;
import trackerd.http.protocol.HttpTrackerResponseEncoder;
import trackerd.http.server.HttpMetrics.Reason;
import trackerd.loop.LoopContext;
import trackerd.swarm.RequestKind;
import trackerd.swarm.RequestStatus;
import trackerd.swarm.ScrapeBlock;
import trackerd.swarm.SwarmRequest;

/**
 * What the HTTP connections of one event loop share: the loop's gateway and metric writer, one
 * reused request head and decoded request, scrape scratch, and the loop's {@link ResponseHandler}:
 * a swarm answer names its connection in a side table indexed by request, is encoded here and
 * put into that connection's answer ring ({@link HttpConnection#complete}), or sent at once for a
 * connection of the direct path ({@link HttpDirectAccept#complete}); connections that got
 * answers are flushed once at the end of the batch. An answer whose connection has closed is
 * released and dropped (the connection object is never reused, so it cannot reach a stranger).
 *
 * <p>Only on its event loop's thread.
 */
final class HttpLoop implements ResponseHandler {
    /** Flags kept per request in flight. */
    static final int COMPACT = 1;
    static final int HEAD_ONLY = 2;
    /** The client is an IPv6 peer (for the metrics of a parked full scrape). */
    static final int IPV6 = 16;
    /** Two bits: {@link HttpResponses#KEEP_ALIVE}, {@code CLOSE} or {@code KEEP_ALIVE_1_0}. */
    static final int CONNECTION_SHIFT = 2;
    static final int CONNECTION_MASK = 3;

    final HttpSettings settings;
    final LoopContext context;
    final SwarmGateway gateway;
    final HttpMetrics metrics;
    final EventLoop loop;
    final HttpRequestHead head = new HttpRequestHead();
    final HttpTrackerRequest request;
    final ClientAddress client = new ClientAddress();
    /** The announce reply's interval keys, bencoded once. */
    final AnnounceIntervals intervals;
    /** Answers each request, for connections and the direct path alike. */
    final HttpRequests requests;
    /** Answers of plain connections written in place; null when direct buffers have no address. */
    final HttpSendBuffer sendBuffer = HttpSendBuffer.isAvailable() ? new HttpSendBuffer() : null;

    /** By request index: who gets the answer (a connection, or the loop's direct path). */
    private final HttpExchange[] owners;
    private final byte[] flags;
    private final long[] scrapeHashes;
    private final int[] scrapeResults;
    private final int[] scrapeOrder;
    private HttpConnection[] dirty = new HttpConnection[16];
    private int dirtyCount;

    // full scrapes waiting for a snapshot
    private HttpConnection[] waiters = new HttpConnection[4];
    private long[] waiterSeqs = new long[4];
    private int[] waiterFlags = new int[4];
    private int waiterCount;
    private boolean awaiting;
    private final Runnable onSnapshot;

    // open connections of this loop, for the read-timeout sweep and shutdown (swap-remove)
    private HttpConnection[] open = new HttpConnection[64];
    private int openCount;
    private final long readTimeoutSeconds;
    /** Counts down a connection that the WebSocket door took over, when it closes. */
    final ChannelFutureListener onUpgradedClose;
    private final ChannelFutureListener onRegistered;

    HttpLoop(HttpSettings settings, LoopContext context) {
        this.settings = settings;
        this.context = context;
        this.gateway = context.gateway();
        this.loop = context.loop();
        this.metrics = new HttpMetrics(settings.metrics(), context.metrics());
        int maxHashes = settings.limits().maxScrapeHashes();
        this.request = new HttpTrackerRequest(maxHashes);
        this.intervals = new AnnounceIntervals(settings.swarm().announceIntervalSeconds(),
            settings.swarm().minAnnounceIntervalSeconds());
        owners = new HttpExchange[gateway.capacity()];
        flags = new byte[gateway.capacity()];
        scrapeHashes = new long[3 * maxHashes];
        scrapeResults = new int[3 * maxHashes];
        scrapeOrder = new int[maxHashes];
        Runnable answerWaiters = this::answerFullScrapes;
        onSnapshot = () -> loop.execute(answerWaiters);
        readTimeoutSeconds = settings.http().readTimeoutSeconds();
        onUpgradedClose = future -> connectionClosed();
        onRegistered = future -> {
            if (!future.isSuccess()) registrationFailed(future.channel());
        };
        requests = new HttpRequests(this);
    }

    // ---------------------------------------------------------------- connections

    /** Open connections of this loop (not yet closed nor handed to the WebSocket door). */
    int openCount() {
        return openCount;
    }

    /** A connection became active on this loop. */
    void add(HttpConnection connection) {
        if (openCount == open.length) open = Arrays.copyOf(open, openCount * 2);
        connection.openIndex = openCount;
        open[openCount++] = connection;
    }

    /** A connection closed (or left for the WebSocket door): out of the sweep. */
    void remove(HttpConnection connection) {
        int i = connection.openIndex;
        if (i < 0) return;
        HttpConnection last = open[--openCount];
        open[i] = last;
        last.openIndex = i;
        open[openCount] = null;
        connection.openIndex = -1;
    }

    /**
     * Gives an accepted connection, already counted into {@code http.max_connections} and the
     * gauge, its handlers ({@code [tls] -> http}) and registers it on this loop, inline (the caller
     * is on this loop).
     *
     * @param tls the connection's TLS context, or null for plain HTTP
     * @return its handler, or null when registration failed (the connection is closed and counted out)
     */
    HttpConnection serve(Channel child, SslContext tls) {
        // a client that shuts its side after its last request still gets the answers
        ((SocketChannelConfig) child.config()).setAllowHalfClosure(true);
        if (tls != null) child.pipeline().addLast("tls", tls.newHandler(child.alloc()));
        HttpConnection connection = new HttpConnection(settings);
        connection.attach(this, tls == null);
        child.pipeline().addLast("http", connection);
        ChannelFuture registered = loop.register(child); // this loop: done inline
        if (registered.isDone()) {
            if (registered.isSuccess()) return connection;
            registrationFailed(child);
            return null;
        }
        registered.addListener(onRegistered);
        return connection;
    }

    /** Netty closed the channel already; it never became one of ours, so it is not counted. */
    private void registrationFailed(Channel child) {
        child.unsafe().closeForcibly();
        connectionClosed();
    }

    /** An accepted connection is gone: out of {@code http.max_connections} and the gauge. */
    void connectionClosed() {
        settings.openConnections().decrementAndGet();
        metrics.connections(-1);
    }

    /**
     * Once a second: closes the connections silent for more than {@code http.read_timeout_seconds}
     * (whole seconds, so after between that and two seconds more), unless they wait for answers.
     * One timer per loop rather than one per connection: a connection costs no timer task to
     * schedule and cancel, and no clock read per read.
     */
    void closeTimedOut() {
        long now = context.clock().nowSeconds();
        // backwards: a connection closed here may swap the last one into its place, already seen
        for (int i = openCount - 1; i >= 0; i--) {
            if (i < openCount) open[i].closeIfTimedOut(now, readTimeoutSeconds);
        }
    }

    /** Shutdown: no connection of this loop reads another request. */
    void stopReading() {
        for (int i = 0; i < openCount; i++) open[i].stopReadingForShutdown();
    }

    /** Sends a decoded request to the swarm; false when the queue is full (the request is still the caller's). */
    boolean submit(SwarmRequest r, HttpExchange connection, long seq, int requestFlags) {
        owners[r.index()] = connection;
        flags[r.index()] = (byte) requestFlags;
        r.context = seq;
        boolean queued = r.kind == RequestKind.SCRAPE
            ? gateway.submitScrape(r, this) : gateway.submitAnnounce(r, this);
        if (!queued) owners[r.index()] = null;
        return queued;
    }

    @Override
    public void onResponse(SwarmRequest answered) {
        HttpExchange connection = owners[answered.index()];
        owners[answered.index()] = null;
        try {
            if (connection == null || connection.closed(answered.context)) {
                metrics.error(Reason.ANSWER_FOR_CLOSED_CONNECTION);
                return;
            }
            int f = flags[answered.index()];
            ByteBuf out = encode(connection, answered.context, answered, f);
            metrics.response(answered.status != RequestStatus.OK ? HttpMetrics.FAILURE
                : answered.kind == RequestKind.SCRAPE ? HttpMetrics.SCRAPE : HttpMetrics.ANNOUNCE, answered.ipv6);
            connection.complete(answered.context, out);
            // a direct answer went out in complete(); a connection's is flushed at the batch end
            if (connection instanceof HttpConnection c) markDirty(c);
        } finally {
            gateway.release(answered);
        }
    }

    void markDirty(HttpConnection connection) {
        if (connection.dirty) return;
        connection.dirty = true;
        if (dirtyCount == dirty.length) dirty = Arrays.copyOf(dirty, dirtyCount * 2);
        dirty[dirtyCount++] = connection;
    }

    @Override
    public void onBatchEnd() {
        for (int i = 0; i < dirtyCount; i++) {
            HttpConnection connection = dirty[i];
            dirty[i] = null;
            connection.dirty = false;
            connection.flush();
        }
        dirtyCount = 0;
    }

    /** The answer {@code seq} to {@code r}, in the buffer {@code x} gives for it. */
    private ByteBuf encode(HttpExchange x, long seq, SwarmRequest r, int f) {
        boolean headOnly = (f & HEAD_ONLY) != 0;
        int connection = (f >>> CONNECTION_SHIFT) & CONNECTION_MASK;
        switch (r.status) {
            case OK:
                break;
            case TOO_MANY_TORRENTS:
                return failure(x, seq, Reason.TOO_MANY_TORRENTS, HttpFailures.TOO_MANY_TORRENTS, headOnly, connection);
            case TOO_MANY_PEERS:
                return failure(x, seq, Reason.TOO_MANY_PEERS, HttpFailures.TOO_MANY_PEERS, headOnly, connection);
            case TOO_MANY_NEW_TORRENTS:
                return failure(x, seq, Reason.TOO_MANY_NEW_TORRENTS, HttpFailures.TOO_MANY_NEW_TORRENTS, headOnly,
                    connection);
            case TRACKER_FULL_OF_PEERS:
                return failure(x, seq, Reason.TRACKER_FULL_OF_PEERS, HttpFailures.TRACKER_FULL_OF_PEERS, headOnly,
                    connection);
            case BUSY:
                return failure(x, seq, Reason.BUSY, settings.busyBody(), headOnly, connection);
            default:
                return failure(x, seq, Reason.INTERNAL, HttpFailures.INTERNAL_ERROR, headOnly, connection);
        }
        if (r.kind == RequestKind.SCRAPE) return encodeScrape(x, seq, r.scrape, headOnly, connection);
        boolean ipv6 = r.ipv6;
        if ((f & COMPACT) != 0) {
            int length = HttpTrackerResponseEncoder.announceLength(r.seeders, r.completed, r.leechers, intervals,
                r.peerCount, ipv6);
            ByteBuf out = HttpResponses.start(x, seq, HttpResponses.OK, length, headOnly ? 0 : length, connection);
            if (!headOnly) {
                HttpTrackerResponseEncoder.writeAnnounce(out, r.seeders, r.completed, r.leechers, intervals,
                    r.peers, r.peerCount, ipv6);
            }
            return out;
        }
        int length = HttpTrackerResponseEncoder.announceNonCompactLength(r.seeders, r.completed, r.leechers,
            intervals, r.peers, r.peerCount, ipv6);
        ByteBuf out = HttpResponses.start(x, seq, HttpResponses.OK, length, headOnly ? 0 : length, connection);
        if (!headOnly) {
            HttpTrackerResponseEncoder.writeAnnounceNonCompact(out, r.seeders, r.completed, r.leechers,
                intervals, r.peers, r.peerCount, ipv6);
        }
        return out;
    }

    /** BEP 48 reply; hashes the access list forbids are scraped as zeros (and counted), as over UDP. */
    private ByteBuf encodeScrape(HttpExchange x, long seq, ScrapeBlock block, boolean headOnly, int connection) {
        int n = block.count();
        for (int i = 0; i < n; i++) {
            long h0 = block.hash0(i);
            long h1 = block.hash1(i);
            int h2 = block.hash2(i);
            scrapeHashes[3 * i] = h0;
            scrapeHashes[3 * i + 1] = h1;
            scrapeHashes[3 * i + 2] = h2;
            if (settings.accessList().permits(h0, h1, h2)) {
                scrapeResults[3 * i] = block.seeders(i);
                scrapeResults[3 * i + 1] = block.completed(i);
                scrapeResults[3 * i + 2] = block.leechers(i);
            } else {
                metrics.error(Reason.FORBIDDEN);
                scrapeResults[3 * i] = 0;
                scrapeResults[3 * i + 1] = 0;
                scrapeResults[3 * i + 2] = 0;
            }
        }
        int unique = HttpTrackerResponseEncoder.sortScrape(scrapeHashes, n, scrapeOrder);
        int length = HttpTrackerResponseEncoder.scrapeLength(scrapeResults, scrapeOrder, unique);
        ByteBuf out = HttpResponses.start(x, seq, HttpResponses.OK, length, headOnly ? 0 : length, connection);
        if (!headOnly) HttpTrackerResponseEncoder.writeScrape(out, scrapeHashes, scrapeResults, scrapeOrder, unique);
        return out;
    }

    /** A 200 with a bencoded failure reason as the answer {@code seq}, counted under {@code reason}. */
    ByteBuf failure(HttpExchange x, long seq, Reason reason, byte[] body, boolean headOnly, int connection) {
        metrics.error(reason);
        return HttpResponses.whole(x, seq, HttpResponses.OK, body, headOnly, connection);
    }

    // ---------------------------------------------------------------- full scrape

    /**
     * A full scrape: answered now from a fresh snapshot, or parked until the next one is built.
     *
     * @return the response, or null when parked (the connection's slot {@code seq} stays pending)
     */
    ByteBuf fullScrape(HttpConnection connection, long seq, int requestFlags) {
        FullScrapes scrapes = settings.fullScrapes();
        byte[] body = scrapes.fresh(context.nowSeconds());
        if (body != null) return fullScrapeResponse(connection.alloc(), body, requestFlags);
        if (waiterCount == waiters.length) {
            waiters = Arrays.copyOf(waiters, waiterCount * 2);
            waiterSeqs = Arrays.copyOf(waiterSeqs, waiterCount * 2);
            waiterFlags = Arrays.copyOf(waiterFlags, waiterCount * 2);
        }
        waiters[waiterCount] = connection;
        waiterSeqs[waiterCount] = seq;
        waiterFlags[waiterCount] = requestFlags;
        waiterCount++;
        if (!awaiting) {
            awaiting = true;
            scrapes.await(onSnapshot);
        }
        return null;
    }

    /** A snapshot was published: answer the parked full scrapes (on this loop). */
    private void answerFullScrapes() {
        awaiting = false;
        FullScrapes.Snapshot snapshot = settings.fullScrapes().latest();
        for (int i = 0; i < waiterCount; i++) {
            HttpConnection connection = waiters[i];
            waiters[i] = null;
            if (connection.closed()) {
                metrics.error(Reason.ANSWER_FOR_CLOSED_CONNECTION);
                continue;
            }
            int f = waiterFlags[i];
            boolean failed = snapshot == null || snapshot.body() == null;
            ByteBuf out = failed
                ? failure(connection, waiterSeqs[i], Reason.BUSY, settings.busyBody(), (f & HEAD_ONLY) != 0,
                    (f >>> CONNECTION_SHIFT) & CONNECTION_MASK)
                : fullScrapeResponse(connection.alloc(), snapshot.body(), f);
            metrics.response(failed ? HttpMetrics.FAILURE : HttpMetrics.FULL_SCRAPE, (f & IPV6) != 0);
            connection.complete(waiterSeqs[i], out);
            markDirty(connection);
        }
        waiterCount = 0;
        onBatchEnd();
    }

    /** The head in a pooled buffer, the shared snapshot body wrapped (read-only, never copied). */
    private ByteBuf fullScrapeResponse(ByteBufAllocator alloc, byte[] body, int f) {
        boolean headOnly = (f & HEAD_ONLY) != 0;
        ByteBuf head = HttpResponses.head(alloc, HttpResponses.OK, body.length, (f >>> CONNECTION_SHIFT) & CONNECTION_MASK);
        if (headOnly) return head;
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponents(true, head, Unpooled.wrappedBuffer(body));
        return out;
    }
}
