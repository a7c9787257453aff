package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import trackerd.http.protocol.HttpFailures;
import trackerd.http.protocol.HttpTrackerRequest;
import trackerd.http.protocol.HttpTrackerRequestDecoder;
import trackerd.http.server.HttpMetrics.Reason;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.SwarmRequest;

/**
 * What the tracker answers to one whole request head, whoever carries the connection
 * ({@link HttpConnection} or {@link HttpDirectAccept}): health, 404, 405, a WebSocket upgrade on
 * an address without WebTorrent, announce and scrape failures at once; announces and scrapes
 * through the loop's gateway; full scrapes from the snapshot. The client address (TCP peer or a
 * trusted proxy's header), the access list and {@code limits.*} are applied here, and requests,
 * responses and errors counted. One per event loop; only on its thread.
 */
final class HttpRequests {
    private final HttpLoop loop;
    private final HttpSettings settings;
    private final HttpMetrics metrics;

    HttpRequests(HttpLoop loop) {
        this.loop = loop;
        this.settings = loop.settings;
        this.metrics = loop.metrics;
    }

    /**
     * Answers the request whose head was just scanned into {@code head} (its target still readable
     * in {@code in}); a request with a body or a WebSocket handshake the door takes never comes here.
     *
     * @param connection {@link HttpResponses#KEEP_ALIVE}, {@code CLOSE} or {@code KEEP_ALIVE_1_0}
     * @return false, having counted and answered nothing, when the request is a full scrape that
     *     {@code x} cannot wait for (only a {@link HttpConnection} can park until the next snapshot)
     */
    boolean answer(HttpExchange x, ByteBuf in, HttpRequestHead head, int connection) {
        if (head.webSocketUpgrade()) {
            metrics.error(Reason.WEBSOCKET_NOT_ENABLED);
            answerNow(x, HttpResponses.BAD_REQUEST, HttpResponses.WEBSOCKET_NOT_ENABLED_BODY, false, connection,
                HttpMetrics.ERROR, x.peerIpv6());
            return true;
        }
        if (head.method == HttpRequestHead.OTHER_METHOD) {
            metrics.error(Reason.METHOD_NOT_ALLOWED);
            answerNow(x, HttpResponses.METHOD_NOT_ALLOWED, HttpResponses.METHOD_NOT_ALLOWED_BODY, false, connection,
                HttpMetrics.ERROR, x.peerIpv6());
            return true;
        }
        boolean headOnly = head.method == HttpRequestHead.HEAD;
        HttpTrackerRequest request = loop.request;
        // the scanner's copy of the head: no second copy for the decoder
        int status = HttpTrackerRequestDecoder.decode(head.bytes, head.targetFrom - head.start,
            head.targetTo - head.start, request);
        ClientAddress client = loop.client;
        switch (request.kind) {
            case HttpTrackerRequest.ANNOUNCE, HttpTrackerRequest.SCRAPE -> {
                if (status == HttpTrackerRequestDecoder.OK && request.kind == HttpTrackerRequest.SCRAPE
                        && request.scrapeCount == 0 && settings.fullScrapes() != null
                        && !(x instanceof HttpConnection)) {
                    return false;
                }
                clientAddress(x, in, head, client);
                if (status != HttpTrackerRequestDecoder.OK) {
                    metrics.error(reasonOf(status));
                    answerNow(x, HttpResponses.OK, HttpFailures.forStatus(status), headOnly, connection,
                        HttpMetrics.FAILURE, client.ipv6);
                } else if (request.kind == HttpTrackerRequest.ANNOUNCE) {
                    announce(x, request, client, headOnly, connection);
                } else {
                    scrape(x, request, client, headOnly, connection);
                }
            }
            case HttpTrackerRequest.HEALTH -> {
                metrics.request(HttpMetrics.HEALTH, x.peerIpv6());
                answerNow(x, HttpResponses.OK, HttpResponses.HEALTH_BODY, headOnly, connection, HttpMetrics.HEALTH,
                    x.peerIpv6());
            }
            default -> {
                metrics.error(Reason.NOT_FOUND);
                answerNow(x, HttpResponses.NOT_FOUND, HttpFailures.NOT_FOUND, headOnly, connection, HttpMetrics.ERROR,
                    x.peerIpv6());
            }
        }
        return true;
    }

    /** The client: the TCP peer, or the address a trusted proxy's header names. */
    private void clientAddress(HttpExchange x, ByteBuf in, HttpRequestHead head, ClientAddress client) {
        client.set(x.peerIpv6(), x.peer0(), x.peer1());
        byte[] proxyHeader = settings.proxyHeader();
        if (proxyHeader == null) return;
        if (!x.peerIsTrustedProxy()) {
            if (head.proxyFrom >= 0) metrics.proxyHeaderIgnored();
            return;
        }
        boolean parsed = head.proxyFrom >= 0 && (proxyHeader.length == 15 // x-forwarded-for
            ? client.parseForwardedFor(in, head.proxyFrom, head.proxyTo, settings.trustedProxies())
            : client.parseOne(in, head.proxyFrom, head.proxyTo));
        if (!parsed) {
            client.set(x.peerIpv6(), x.peer0(), x.peer1());
            metrics.error(Reason.BAD_PROXY_HEADER);
        }
    }

    private void announce(HttpExchange x, HttpTrackerRequest request, ClientAddress client, boolean headOnly,
                          int connection) {
        boolean ipv6 = client.ipv6;
        metrics.request(HttpMetrics.ANNOUNCE, ipv6);
        if (!settings.accessList().permits(request.infoHash0, request.infoHash1, request.infoHash2)) {
            failNow(x, Reason.FORBIDDEN, HttpFailures.FORBIDDEN, headOnly, connection, ipv6);
            return;
        }
        SwarmRequest r = loop.gateway.acquire();
        if (r == null) {
            failNow(x, Reason.BUSY, settings.busyBody(), headOnly, connection, ipv6);
            return;
        }
        r.infoHash0 = request.infoHash0;
        r.infoHash1 = request.infoHash1;
        r.infoHash2 = request.infoHash2;
        r.ipv6 = ipv6;
        r.address0 = client.address0;
        r.address1 = client.address1;
        if (settings.swarm().trustClientIp()) {
            // BEP 7: only an address of the request's own family (a peer is handed its own family)
            if (!ipv6 && request.hasIpv4) {
                r.address0 = request.ipv4 & 0xFFFF_FFFFL;
            } else if (ipv6 && request.hasIpv6) {
                r.address0 = request.ipv6High;
                r.address1 = request.ipv6Low;
            }
        }
        r.port = request.port;
        // BEP 21 paused: no event of its own, counted as a seeder (seeder() says so)
        r.event = request.event == HttpTrackerRequest.EVENT_PAUSED ? AnnounceEvent.NONE
            : AnnounceEvent.ofBep15(request.event);
        r.seeder = request.seeder();
        r.numwant = request.numwant;
        int flags = (request.compact ? HttpLoop.COMPACT : 0) | (headOnly ? HttpLoop.HEAD_ONLY : 0)
            | (ipv6 ? HttpLoop.IPV6 : 0) | connection << HttpLoop.CONNECTION_SHIFT;
        submit(x, r, flags, headOnly, connection, ipv6);
    }

    private void scrape(HttpExchange x, HttpTrackerRequest request, ClientAddress client, boolean headOnly,
                        int connection) {
        boolean ipv6 = client.ipv6;
        int flags = (headOnly ? HttpLoop.HEAD_ONLY : 0) | (ipv6 ? HttpLoop.IPV6 : 0)
            | connection << HttpLoop.CONNECTION_SHIFT;
        if (request.scrapeCount == 0) {
            metrics.request(HttpMetrics.FULL_SCRAPE, ipv6);
            if (settings.fullScrapes() == null) {
                failNow(x, Reason.FULL_SCRAPE_DISABLED, HttpFailures.FULL_SCRAPE_DISABLED, headOnly, connection, ipv6);
                return;
            }
            long seq = x.takeSeq(null);
            ByteBuf out = loop.fullScrape((HttpConnection) x, seq, flags); // answer() sent the others away
            if (out != null) {
                metrics.response(HttpMetrics.FULL_SCRAPE, ipv6);
                x.complete(seq, out);
            }
            return;
        }
        metrics.request(HttpMetrics.SCRAPE, ipv6);
        SwarmRequest r = loop.gateway.acquireScrape();
        if (r == null) {
            failNow(x, Reason.BUSY, settings.busyBody(), headOnly, connection, ipv6);
            return;
        }
        long[] hashes = request.scrapeHashes;
        for (int i = 0; i < request.scrapeCount; i++) {
            r.scrape.add(hashes[3 * i], hashes[3 * i + 1], (int) hashes[3 * i + 2]);
        }
        r.ipv6 = ipv6;
        submit(x, r, flags, headOnly, connection, ipv6);
    }

    private void submit(HttpExchange x, SwarmRequest r, int flags, boolean headOnly, int connection, boolean ipv6) {
        long seq = x.takeSeq(r);
        if (!loop.submit(r, x, seq, flags)) {
            loop.gateway.release(r);
            metrics.response(HttpMetrics.FAILURE, ipv6);
            x.complete(seq, loop.failure(x, seq, Reason.BUSY, settings.busyBody(), headOnly, connection));
        }
    }

    private void failNow(HttpExchange x, Reason reason, byte[] body, boolean headOnly, int connection, boolean ipv6) {
        metrics.error(reason);
        answerNow(x, HttpResponses.OK, body, headOnly, connection, HttpMetrics.FAILURE, ipv6);
    }

    private void answerNow(HttpExchange x, int status, byte[] body, boolean headOnly, int connection, int type,
                           boolean ipv6) {
        metrics.response(type, ipv6);
        long seq = x.takeSeq(null);
        x.complete(seq, HttpResponses.whole(x, seq, status, body, headOnly, connection));
    }

    private static Reason reasonOf(int decoderStatus) {
        return switch (decoderStatus) {
            case HttpTrackerRequestDecoder.MISSING_INFO_HASH -> Reason.MISSING_INFO_HASH;
            case HttpTrackerRequestDecoder.BAD_INFO_HASH -> Reason.BAD_INFO_HASH;
            case HttpTrackerRequestDecoder.MISSING_PEER_ID -> Reason.MISSING_PEER_ID;
            case HttpTrackerRequestDecoder.BAD_PEER_ID -> Reason.BAD_PEER_ID;
            case HttpTrackerRequestDecoder.MISSING_PORT -> Reason.MISSING_PORT;
            case HttpTrackerRequestDecoder.BAD_PORT -> Reason.BAD_PORT;
            case HttpTrackerRequestDecoder.TOO_MANY_HASHES -> Reason.TOO_MANY_HASHES;
            case HttpTrackerRequestDecoder.NOT_FOUND -> Reason.NOT_FOUND;
            default -> Reason.BAD_PARAMETER;
        };
    }
}
