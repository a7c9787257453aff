package trackerd.http.server;

import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;
import trackerd.metrics.TrafficMetrics;

/**
 * HTTP counters of one event loop, written into its loop writer (only on that loop). Requests
 * and responses are counted by the client's IP version (after a trusted proxy header), bytes by
 * the TCP peer's. The families are {@link TrafficMetrics}'s, with {@code protocol="http"}.
 */
final class HttpMetrics {
    static final int ANNOUNCE = 0;
    static final int SCRAPE = 1;
    static final int FULL_SCRAPE = 2;
    static final int HEALTH = 3;
    /** A 200 with a bencoded failure reason. */
    static final int FAILURE = 4;
    /** A status other than 200 (400, 404, 405, 413, 414, 431). */
    static final int ERROR = 5;
    private static final String[] TYPES = {"announce", "scrape", "full_scrape", "health", "failure", "error"};
    private static final int REQUEST_TYPES = 4;

    /** Why a request was not served as asked. */
    enum Reason {
        MALFORMED_HEAD, URI_TOO_LONG, HEADERS_TOO_LARGE, BODY, METHOD_NOT_ALLOWED, NOT_FOUND,
        MISSING_INFO_HASH, BAD_INFO_HASH, MISSING_PEER_ID, BAD_PEER_ID, MISSING_PORT, BAD_PORT, BAD_PARAMETER,
        TOO_MANY_HASHES, FORBIDDEN, TOO_MANY_TORRENTS, TOO_MANY_PEERS, TOO_MANY_NEW_TORRENTS, TRACKER_FULL_OF_PEERS,
        FULL_SCRAPE_DISABLED, BUSY, INTERNAL,
        WEBSOCKET_NOT_ENABLED, BAD_PROXY_HEADER, READ_TIMEOUT, ANSWER_FOR_CLOSED_CONNECTION
    }

    /** Indexes into every writer, defined once per process. */
    static final class Definitions {
        final TrafficMetrics.Definitions traffic;
        final int openConnections;
        final int refusedConnections;
        final int proxyHeaderIgnored;
        final int tlsHandshakes;
        final int tlsHandshakeFailures;

        Definitions(MetricBank bank) {
            traffic = new TrafficMetrics.Definitions(bank, "http", TYPES, REQUEST_TYPES,
                TrafficMetrics.labels(Reason.values()));
            openConnections = bank.gauge("tracker_connections", "Connections open now, by protocol",
                "protocol", "http");
            refusedConnections = bank.counter("tracker_connections_refused",
                "Connections closed at once because the protocol's max_connections were open", "protocol", "http");
            proxyHeaderIgnored = bank.counter("tracker_http_proxy_header_ignored",
                "Requests that carried the proxy header from an address not in http.proxy.trusted");
            tlsHandshakes = bank.counter("tracker_http_tls_handshakes",
                "TLS handshakes completed on http.tls.listen");
            tlsHandshakeFailures = bank.counter("tracker_http_tls_handshake_failures",
                "TLS handshakes that failed on http.tls.listen: the client distrusts the certificate, speaks "
                    + "plain HTTP, offers no common version or cipher, or closes before the handshake ends");
        }
    }

    private final Definitions d;
    private final MetricWriter w;
    private final TrafficMetrics t;

    HttpMetrics(Definitions definitions, MetricWriter loopWriter) {
        d = definitions;
        w = loopWriter;
        t = new TrafficMetrics(definitions.traffic, loopWriter);
    }

    void request(int type, boolean ipv6) {
        t.request(type, ipv6);
    }

    void response(int type, boolean ipv6) {
        t.response(type, ipv6);
    }

    void received(boolean ipv6, int bytes) {
        t.received(ipv6, bytes);
    }

    void sent(boolean ipv6, int bytes) {
        t.sent(ipv6, bytes);
    }

    void error(Reason reason) {
        t.error(reason.ordinal());
    }

    /** +1 when a connection opens on this loop, -1 when it closes: the gauge sums the loops. */
    void connections(int delta) {
        w.add(d.openConnections, delta);
    }

    void refused() {
        w.increment(d.refusedConnections);
    }

    void proxyHeaderIgnored() {
        w.increment(d.proxyHeaderIgnored);
    }

    /** One per HTTPS connection, when its handshake ends. */
    void tlsHandshake(boolean success) {
        w.increment(success ? d.tlsHandshakes : d.tlsHandshakeFailures);
    }
}
