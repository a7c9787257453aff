package trackerd.ws.server;

import com.fasterxml.jackson.core.io.SerializedString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import trackerd.access.AccessList;
import trackerd.handoff.ResponseHandler;
import trackerd.handoff.SwarmGateway;
import trackerd.loop.ConnectionRegistry;
import trackerd.loop.LoopContext;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.CrossNodeRelay;
import trackerd.swarm.CrossNodeRelays;
import trackerd.swarm.RelayBlock;
import trackerd.swarm.RequestKind;
import trackerd.swarm.RequestStatus;
import trackerd.swarm.ScrapeBlock;
import trackerd.swarm.SwarmRequest;
import trackerd.ws.protocol.BinaryId;
import trackerd.ws.protocol.WsDecodeStatus;
import trackerd.ws.protocol.WsRequest;
import trackerd.ws.protocol.WsRequestDecoder;
import trackerd.ws.protocol.WsResponseEncoder;

/**
 * The WebTorrent front end's state on one event loop, and its half of the swarm hand-off: one
 * decoder, encoder and {@link WsRequest} for every connection of the loop, the pooled
 * {@link RelayBlock}s, a side table by request index (the connection and the frame whose SDP
 * the answer will relay), this loop's {@link RelayInbox} and {@link RelayPool}. Only on its loop.
 *
 * <p><b>Path of an offer.</b> A connection's announce with offers takes a request and a relay
 * block and keeps its frame (retained) until the swarm answers with the recipients. For each
 * recipient, the frame's offer bytes are encoded into a relay: straight to the channel when the
 * recipient is on this loop, else into a {@link RelayMessage} handed to the recipient loop's
 * inbox; that loop writes it if the connection (by token) is still open. The frame is released
 * once every relay is encoded. Answers take the same path with one recipient.
 *
 * <p><b>Other cluster nodes</b> (issue 14). A recipient on another node
 * ({@link RelayBlock#REMOTE_LOOP}) gets the same frame, handed with its routing fields to the
 * cluster's relay queue ({@link CrossNodeRelays}), which publishes it to that node; there the
 * shard routes it and {@link WsFrontEnd#relayDoor} brings it to this class's inbox as a message
 * of no pool.
 */
final class WsLoop implements ResponseHandler {
    static final SerializedString BUSY = failure("tracker busy, try again");
    static final SerializedString FORBIDDEN = failure("torrent not allowed on this tracker");
    static final SerializedString FULL_SCRAPE = failure("scrape needs info_hash (full scrape is off)");
    static final SerializedString PEER_ID_TAKEN = failure("peer_id in use by another connection");
    static final SerializedString ONE_PEER_ID = failure("this connection already has another peer_id in this torrent");
    static final SerializedString TOO_MANY_TORRENTS_PER_CONNECTION = failure("too many torrents on one connection");
    static final SerializedString TOO_MANY_TORRENTS = failure("tracker holds too many torrents");
    static final SerializedString TOO_MANY_PEERS = failure("torrent has too many peers");
    static final SerializedString TOO_MANY_NEW_TORRENTS = failure("too many new torrents from your address");
    static final SerializedString TRACKER_FULL = failure("tracker holds too many peers");
    static final SerializedString NO_PENDING_OFFER = failure("no pending offer for this answer");
    static final SerializedString INTERNAL = failure("internal error");
    /** Offers one announce may carry in the decoder (the config's max is 100); more than the config's are not relayed. */
    static final int DECODER_MAX_OFFERS = 100;

    final int index;
    final LoopContext context;
    final WsSettings settings;
    final SwarmGateway gateway;
    final ConnectionRegistry<Channel> connections;
    final WsMetrics metrics;
    final WsRequestDecoder decoder;
    final WsRequest request;
    final WsResponseEncoder encoder = new WsResponseEncoder();
    final RelayInbox inbox;
    final RelayPool pool = new RelayPool();
    private final BinaryId id = new BinaryId();
    private final BinaryId peer = new BinaryId();
    private final BinaryId offerId = new BinaryId();
    private final RelayBlock[] freeRelays;
    private int freeRelayCount;
    // by request index
    private final WsConnection[] owners;
    private final ByteBuf[] frames;
    /** Per request: 2 ints per offer (start, end), or the answer's at 0-1. */
    private final int[] ranges;
    private final long[] scrapeWords;
    private final int[] scrapeResults;
    // end of batch
    private final WsConnection[] toFlush = new WsConnection[256];
    private int toFlushCount;
    private final Channel[] relayFlush = new Channel[64];
    private int relayFlushCount;
    private final boolean[] inboxesToWake;
    private boolean anyInboxToWake;
    // relays to peers of other cluster nodes: one holder and one scratch array (heap, this loop only)
    private final CrossNodeRelay crossNode = new CrossNodeRelay();
    private byte[] crossNodeBytes = new byte[RelayMessage.FIRST_BYTES];
    private ByteBuf crossNodeOut = Unpooled.wrappedBuffer(crossNodeBytes);

    WsLoop(int index, int loopCount, LoopContext context, WsSettings settings) {
        this.index = index;
        this.context = context;
        this.settings = settings;
        this.gateway = context.gateway();
        this.connections = context.connections();
        this.metrics = new WsMetrics(settings.definitions(), context.metrics());
        this.decoder = new WsRequestDecoder(settings.maxFrameBytes());
        this.request = new WsRequest(DECODER_MAX_OFFERS, settings.maxScrapeHashes());
        this.inbox = new RelayInbox(context.loop(), this::deliver, this::flushRelays);
        int capacity = gateway.capacity();
        int maxOffers = settings.maxOffersPerAnnounce();
        // a relay block per request that may carry offers or an answer: a quarter of the slots
        freeRelays = new RelayBlock[Math.max(16, capacity / 4)];
        for (int i = 0; i < freeRelays.length; i++) freeRelays[i] = new RelayBlock(maxOffers);
        freeRelayCount = freeRelays.length;
        owners = new WsConnection[capacity];
        frames = new ByteBuf[capacity];
        ranges = new int[capacity * 2 * Math.max(1, maxOffers)];
        scrapeWords = new long[settings.maxScrapeHashes() * 3];
        scrapeResults = new int[settings.maxScrapeHashes() * 3];
        inboxesToWake = new boolean[loopCount];
    }

    private static SerializedString failure(String text) {
        SerializedString s = new SerializedString(text);
        s.asQuotedUTF8();
        return s;
    }

    // ---------------------------------------------------------------- in

    /** A text message of {@code connection}; the frame stays the caller's (it releases it). */
    void onMessage(WsConnection connection, ByteBuf frame) {
        WsRequest r = request;
        int status = decoder.decode(frame, r);
        if (status != WsDecodeStatus.OK) {
            metrics.decodeError(status);
            ByteBuf out = TextFrames.allocate(connection.channel.alloc(), 128);
            encoder.failure(out, status, r.action, r.hasInfoHash ? r.infoHash : null);
            send(connection, out, WsMetrics.FAILURE);
            return;
        }
        if (r.action == WsRequest.ACTION_SCRAPE) {
            metrics.traffic.request(WsMetrics.SCRAPE, connection.ipv6);
            scrape(connection, r);
        } else {
            metrics.traffic.request(WsMetrics.ANNOUNCE, connection.ipv6);
            announce(connection, r, frame);
        }
    }

    private void announce(WsConnection connection, WsRequest r, ByteBuf frame) {
        BinaryId h = r.infoHash;
        if (!settings.accessList().permits(h.w0, h.w1, h.w2)) {
            refuse(connection, WsMetrics.Reason.FORBIDDEN, FORBIDDEN, h);
            return;
        }
        if (!connection.remember(h.w0, h.w1, h.w2)) {
            refuse(connection, WsMetrics.Reason.TOO_MANY_TORRENTS_PER_CONNECTION, TOO_MANY_TORRENTS_PER_CONNECTION, h);
            return;
        }
        int wantOffers = Math.min(r.offerCount, settings.configuredMaxOffers());
        if (r.numwant >= 0) wantOffers = Math.min(wantOffers, r.numwant);
        boolean relays = wantOffers > 0 || r.hasAnswer;
        SwarmRequest q = gateway.acquire();
        if (q == null || (relays && freeRelayCount == 0)) {
            if (q != null) gateway.release(q);
            refuse(connection, WsMetrics.Reason.BUSY, BUSY, h);
            return;
        }
        q.kind = RequestKind.ANNOUNCE;
        q.webTorrent = true;
        q.infoHash0 = h.w0;
        q.infoHash1 = h.w1;
        q.infoHash2 = h.w2;
        q.peerId0 = r.peerId.w0;
        q.peerId1 = r.peerId.w1;
        q.peerId2 = r.peerId.w2;
        q.loopIndex = index;
        q.connection = connection.token;
        q.context = connection.token;
        q.ipv6 = connection.ipv6;
        q.address0 = connection.address0;
        q.address1 = connection.address1;
        q.event = switch (r.event) {
            case WsRequest.EVENT_COMPLETED -> AnnounceEvent.COMPLETED;
            case WsRequest.EVENT_STARTED -> AnnounceEvent.STARTED;
            case WsRequest.EVENT_STOPPED -> AnnounceEvent.STOPPED;
            default -> AnnounceEvent.NONE;
        };
        q.seeder = r.seeder;
        q.numwant = 0; // WebTorrent replies carry no peer list: peers meet through relayed offers
        int slot = q.index();
        if (relays) {
            RelayBlock block = freeRelays[--freeRelayCount];
            block.clear();
            int base = slot * 2 * settings.maxOffersPerAnnounce();
            if (r.hasAnswer) {
                block.setAnswer(r.toPeerId.w0, r.toPeerId.w1, r.toPeerId.w2,
                    r.answerOfferId.w0, r.answerOfferId.w1, r.answerOfferId.w2);
                ranges[base] = r.answerStart;
                ranges[base + 1] = r.answerEnd;
            } else {
                for (int i = 0; i < wantOffers; i++) {
                    BinaryId o = r.offerId(i);
                    block.addOffer(o.w0, o.w1, o.w2);
                    ranges[base + 2 * i] = r.offerStart(i);
                    ranges[base + 2 * i + 1] = r.offerEnd(i);
                }
            }
            q.relay = block;
            frames[slot] = frame.retainedSlice(); // the SDP is relayed from it when the swarm answers
        }
        owners[slot] = connection;
        if (!gateway.submitAnnounce(q, this)) {
            releaseSlot(q);
            refuse(connection, WsMetrics.Reason.BUSY, BUSY, h);
        }
    }

    private void scrape(WsConnection connection, WsRequest r) {
        if (r.fullScrape) {
            refuse(connection, WsMetrics.Reason.FULL_SCRAPE, FULL_SCRAPE, null, WsRequest.ACTION_SCRAPE);
            return;
        }
        SwarmRequest q = gateway.acquireScrape();
        if (q == null) {
            refuse(connection, WsMetrics.Reason.BUSY, BUSY, null, WsRequest.ACTION_SCRAPE);
            return;
        }
        q.webTorrent = true;
        q.context = connection.token;
        ScrapeBlock block = q.scrape;
        for (int i = 0; i < r.scrapeCount; i++) {
            r.scrapeHash(i, id);
            block.add(id.w0, id.w1, id.w2);
        }
        owners[q.index()] = connection;
        if (!gateway.submitScrape(q, this)) {
            owners[q.index()] = null;
            gateway.release(q);
            refuse(connection, WsMetrics.Reason.BUSY, BUSY, null, WsRequest.ACTION_SCRAPE);
        }
    }

    private void refuse(WsConnection connection, WsMetrics.Reason reason, SerializedString text, BinaryId infoHash) {
        refuse(connection, reason, text, infoHash, WsRequest.ACTION_ANNOUNCE);
    }

    private void refuse(WsConnection connection, WsMetrics.Reason reason, SerializedString text, BinaryId infoHash,
                        int action) {
        metrics.error(reason);
        ByteBuf out = TextFrames.allocate(connection.channel.alloc(), 128);
        encoder.failure(out, text, action, infoHash);
        send(connection, out, WsMetrics.FAILURE);
    }

    // ---------------------------------------------------------------- answers from the swarm

    @Override
    public void onResponse(SwarmRequest q) {
        WsConnection connection = owners[q.index()];
        try {
            if (q.kind == RequestKind.SCRAPE) {
                answerScrape(connection, q);
            } else {
                answerAnnounce(connection, q);
            }
        } finally {
            releaseSlot(q);
        }
    }

    private void answerAnnounce(WsConnection connection, SwarmRequest q) {
        boolean open = connection.open && connections.get(connection.token) != null;
        id.set(q.infoHash0, q.infoHash1, q.infoHash2);
        if (q.status == RequestStatus.OK && !open && q.event != AnnounceEvent.STOPPED) {
            // closed while the announce was out: its close command may have passed it, so drop again
            connection.dropAgain(q.infoHash0, q.infoHash1, q.infoHash2);
        }
        RelayBlock relay = q.relay;
        if (q.status != RequestStatus.OK) {
            if (open) refuseStatus(connection, q.status);
        } else if (relay != null && relay.hasAnswer()) {
            if (relay.answerRelayed() && open) {
                peer.set(q.peerId0, q.peerId1, q.peerId2);
                relay(q, 0, WsMetrics.RELAY_ANSWER);
            } else if (open) {
                refuse(connection, WsMetrics.Reason.NO_PENDING_OFFER, NO_PENDING_OFFER, id);
            }
        } else {
            if (open) {
                ByteBuf out = TextFrames.allocate(connection.channel.alloc(), 160);
                encoder.announceReply(out, id, settings.intervalSeconds(), q.seeders, q.leechers);
                send(connection, out, WsMetrics.ANNOUNCE);
            }
            if (relay != null && open) {
                peer.set(q.peerId0, q.peerId1, q.peerId2);
                for (int i = 0; i < relay.recipientCount(); i++) relay(q, i, WsMetrics.RELAY_OFFER);
            }
        }
    }

    /** Encodes recipient {@code i}'s relay from the kept frame and sends it to its loop. */
    private void relay(SwarmRequest q, int i, int kind) {
        RelayBlock block = q.relay;
        ByteBuf frame = frames[q.index()];
        int base = q.index() * 2 * settings.maxOffersPerAnnounce() + 2 * i;
        int start = ranges[base];
        int length = ranges[base + 1] - start;
        if (kind == WsMetrics.RELAY_OFFER) {
            offerId.set(block.offer0(i), block.offer1(i), block.offer2(i));
        } else {
            offerId.set(block.answerOffer0(), block.answerOffer1(), block.answerOffer2());
        }
        int loop = block.recipientLoop(i);
        long token = block.recipientConnection(i);
        if (loop == RelayBlock.REMOTE_LOOP) {
            relayToNode(q, i, kind, (int) token, frame, start, length);
            return;
        }
        if (loop == index) {
            Channel channel = connections.get(token);
            if (channel == null) {
                metrics.relay(kind, WsMetrics.CLOSED);
                return;
            }
            ByteBuf out = TextFrames.allocate(channel.alloc(), length + RelayMessage.OVERHEAD_BYTES);
            encode(out, kind, frame, start, length);
            metrics.traffic.sent(WsConnection.ipv6(channel), out.readableBytes()); // the payload: seal adds the header
            channel.write(TextFrames.seal(out), channel.voidPromise());
            metrics.relay(kind, WsMetrics.DELIVERED);
            markRelayFlush(channel);
            return;
        }
        RelayMessage m = pool.take();
        if (m == null) {
            metrics.relay(kind, WsMetrics.POOL_EMPTY);
            return;
        }
        ByteBuf out = m.writerFor(length);
        encode(out, kind, frame, start, length);
        m.length = out.writerIndex();
        m.connection = token;
        m.kind = kind;
        if (!settings.loops()[loop].inbox.offer(m)) {
            pool.giveBack(m);
            metrics.relay(kind, WsMetrics.INBOX_FULL);
            return;
        }
        inboxesToWake[loop] = true;
        anyInboxToWake = true;
    }

    /**
     * Recipient {@code i} is a peer of another cluster node ({@code origin}): the relay's frame is
     * encoded as for a local recipient, into this loop's scratch array, and handed with its
     * routing fields to the cluster's relay queue, which copies it (issue 14).
     */
    private void relayToNode(SwarmRequest q, int i, int kind, int origin, ByteBuf frame, int start, int length) {
        CrossNodeRelays nodes = settings.crossNode();
        if (nodes == null) {
            metrics.relay(kind, WsMetrics.NODE_QUEUE_FULL);
            return;
        }
        ByteBuf out = crossNodeWriter(length);
        encode(out, kind, frame, start, length);
        RelayBlock block = q.relay;
        CrossNodeRelay c = crossNode;
        c.kind = kind == WsMetrics.RELAY_OFFER ? CrossNodeRelay.OFFER : CrossNodeRelay.ANSWER;
        c.origin = origin;
        c.infoHash0 = q.infoHash0;
        c.infoHash1 = q.infoHash1;
        c.infoHash2 = q.infoHash2;
        c.from0 = q.peerId0;
        c.from1 = q.peerId1;
        c.from2 = q.peerId2;
        c.offer0 = offerId.w0;
        c.offer1 = offerId.w1;
        c.offer2 = offerId.w2;
        c.to0 = block.recipientPeer0(i);
        c.to1 = block.recipientPeer1(i);
        c.to2 = block.recipientPeer2(i);
        c.frame = crossNodeBytes;
        c.frameLength = out.writerIndex();
        metrics.relay(kind, nodes.send(c) ? WsMetrics.OTHER_NODE : WsMetrics.NODE_QUEUE_FULL);
    }

    /** This loop's scratch for relays to other nodes, cleared, with room for {@code sdpLength} bytes of SDP. */
    private ByteBuf crossNodeWriter(int sdpLength) {
        int need = sdpLength + RelayMessage.OVERHEAD_BYTES;
        if (crossNodeBytes.length < need) {
            crossNodeBytes = new byte[Math.max(need, crossNodeBytes.length * 2)];
            crossNodeOut = Unpooled.wrappedBuffer(crossNodeBytes);
        }
        crossNodeOut.clear();
        return crossNodeOut;
    }

    private void encode(ByteBuf out, int kind, ByteBuf frame, int start, int length) {
        int at = frame.readerIndex() + start;
        if (kind == WsMetrics.RELAY_OFFER) {
            encoder.offer(out, id, peer, offerId, frame, at, length);
        } else {
            encoder.answer(out, id, peer, offerId, frame, at, length);
        }
    }

    private void answerScrape(WsConnection connection, SwarmRequest q) {
        if (!connection.open) return;
        if (q.status != RequestStatus.OK) {
            refuseStatus(connection, q.status);
            return;
        }
        ScrapeBlock block = q.scrape;
        int n = block.count();
        for (int i = 0; i < n; i++) {
            scrapeWords[3 * i] = block.hash0(i);
            scrapeWords[3 * i + 1] = block.hash1(i);
            scrapeWords[3 * i + 2] = block.hash2(i);
            boolean allowed = settings.accessList().permits(block.hash0(i), block.hash1(i), block.hash2(i));
            scrapeResults[3 * i] = allowed ? block.seeders(i) : 0;
            scrapeResults[3 * i + 1] = allowed ? block.completed(i) : 0;
            scrapeResults[3 * i + 2] = allowed ? block.leechers(i) : 0;
        }
        ByteBuf out = TextFrames.allocate(connection.channel.alloc(), 64 + 90 * n);
        encoder.scrapeReply(out, scrapeWords, scrapeResults, n);
        send(connection, out, WsMetrics.SCRAPE);
    }

    private void refuseStatus(WsConnection connection, RequestStatus status) {
        int action = WsRequest.ACTION_ANNOUNCE;
        switch (status) {
            case PEER_ID_TAKEN -> refuse(connection, WsMetrics.Reason.PEER_ID_TAKEN, PEER_ID_TAKEN, id, action);
            case ONE_PEER_ID_PER_TORRENT -> refuse(connection, WsMetrics.Reason.ONE_PEER_ID_PER_TORRENT, ONE_PEER_ID, id,
                action);
            case TOO_MANY_TORRENTS -> refuse(connection, WsMetrics.Reason.TOO_MANY_TORRENTS, TOO_MANY_TORRENTS, id, action);
            case TOO_MANY_PEERS -> refuse(connection, WsMetrics.Reason.TOO_MANY_PEERS, TOO_MANY_PEERS, id, action);
            case TOO_MANY_NEW_TORRENTS -> refuse(connection, WsMetrics.Reason.TOO_MANY_NEW_TORRENTS,
                TOO_MANY_NEW_TORRENTS, id, action);
            case TRACKER_FULL_OF_PEERS -> refuse(connection, WsMetrics.Reason.TRACKER_FULL_OF_PEERS, TRACKER_FULL, id,
                action);
            case BUSY -> refuse(connection, WsMetrics.Reason.BUSY, BUSY, null, WsRequest.ACTION_SCRAPE);
            default -> refuse(connection, WsMetrics.Reason.INTERNAL, INTERNAL, id, action);
        }
    }

    /** Back to the pools: the kept frame, the relay block, the request. */
    private void releaseSlot(SwarmRequest q) {
        int slot = q.index();
        owners[slot] = null;
        ByteBuf frame = frames[slot];
        if (frame != null) {
            frames[slot] = null;
            frame.release();
        }
        if (q.relay != null) {
            freeRelays[freeRelayCount++] = q.relay;
            q.relay = null;
        }
        gateway.release(q);
    }

    @Override
    public void onBatchEnd() {
        for (int i = 0; i < toFlushCount; i++) {
            WsConnection c = toFlush[i];
            toFlush[i] = null;
            c.flushPending = false;
            c.channel.flush();
        }
        toFlushCount = 0;
        flushRelays();
        wakeInboxes();
    }

    /** Also at the end of every read batch: relays made by inline answers, refusals written meanwhile. */
    void endReadBatch() {
        context.endReadBatch();
        onBatchEnd();
    }

    private void wakeInboxes() {
        if (!anyInboxToWake) return;
        anyInboxToWake = false;
        WsLoop[] loops = settings.loops();
        for (int i = 0; i < inboxesToWake.length; i++) {
            if (inboxesToWake[i]) {
                inboxesToWake[i] = false;
                try {
                    loops[i].inbox.wake();
                } catch (RuntimeException e) { // that loop is shutting down: its inbox is never read again
                    metrics.error(WsMetrics.Reason.INTERNAL);
                }
            }
        }
    }

    // ---------------------------------------------------------------- out

    /**
     * Writes a reply (from {@link TextFrames#allocate}) to the connection that asked ({@code type}:
     * {@link WsMetrics#ANNOUNCE}, {@link WsMetrics#SCRAPE} or {@link WsMetrics#FAILURE}); flushed at
     * the end of the batch.
     */
    void send(WsConnection connection, ByteBuf out, int type) {
        if (!connection.open) {
            out.release();
            return;
        }
        metrics.traffic.response(type, connection.ipv6);
        metrics.traffic.sent(connection.ipv6, out.readableBytes()); // the payload: seal adds the header
        connection.channel.write(TextFrames.seal(out), connection.channel.voidPromise());
        if (!connection.flushPending) {
            if (toFlushCount == toFlush.length) {
                connection.channel.flush();
                return;
            }
            connection.flushPending = true;
            toFlush[toFlushCount++] = connection;
        }
    }

    private void markRelayFlush(Channel channel) {
        for (int i = 0; i < relayFlushCount; i++) {
            if (relayFlush[i] == channel) return;
        }
        if (relayFlushCount == relayFlush.length) {
            channel.flush();
            return;
        }
        relayFlush[relayFlushCount++] = channel;
    }

    private void flushRelays() {
        for (int i = 0; i < relayFlushCount; i++) {
            relayFlush[i].flush();
            relayFlush[i] = null;
        }
        relayFlushCount = 0;
    }

    /** A relay from another loop, on this loop: written if its connection is still open. */
    private void deliver(RelayMessage m) {
        try {
            Channel channel = connections.get(m.connection);
            if (channel == null || !channel.isActive()) {
                metrics.relay(m.kind, WsMetrics.CLOSED);
                return;
            }
            ByteBuf out = TextFrames.allocate(channel.alloc(), m.length);
            out.writeBytes(m.bytes, m.offset, m.length);
            metrics.traffic.sent(WsConnection.ipv6(channel), m.length);
            channel.write(TextFrames.seal(out), channel.voidPromise());
            metrics.relay(m.kind, WsMetrics.DELIVERED);
            markRelayFlush(channel);
        } finally {
            if (m.home != null) m.home.giveBack(m);
        }
    }
}
