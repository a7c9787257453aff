package trackerd.http.server;

import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;

/**
 * HTTP counters of one event loop, written into its loop writer (only on that loop). Requests
 * and responses are counted by the client's IP version (after a trusted proxy header), bytes by
 * the TCP peer's. Names follow the UDP front end's, with an {@code http} prefix.
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
        TOO_MANY_HASHES, FORBIDDEN, TOO_MANY_TORRENTS, TOO_MANY_PEERS, FULL_SCRAPE_DISABLED, BUSY, INTERNAL,
        WEBSOCKET_NOT_ENABLED, BAD_PROXY_HEADER, READ_TIMEOUT, ANSWER_FOR_CLOSED_CONNECTION;

        final String label = name().toLowerCase();
    }

    /** Indexes into every writer, defined once per process. */
    static final class Definitions {
        final int[] requests = new int[REQUEST_TYPES * 2];
        final int[] responses = new int[TYPES.length * 2];
        final int[] errors = new int[Reason.values().length];
        final int[] bytesIn = new int[2];
        final int[] bytesOut = new int[2];
        final int openConnections;
        final int refusedConnections;
        final int proxyHeaderIgnored;
        final int tlsHandshakes;
        final int tlsHandshakeFailures;

        Definitions(MetricBank bank) {
            for (int type = 0; type < TYPES.length; type++) {
                for (int v = 0; v < 2; v++) {
                    String version = v == 0 ? "4" : "6";
                    if (type < REQUEST_TYPES) {
                        requests[type * 2 + v] = bank.counter("tracker_http_requests",
                            "Valid HTTP tracker requests by type and client IP version", "type", TYPES[type],
                            "ip_version", version);
                    }
                    responses[type * 2 + v] = bank.counter("tracker_http_responses",
                        "HTTP responses sent by type and client IP version", "type", TYPES[type], "ip_version", version);
                }
            }
            for (Reason reason : Reason.values()) {
                errors[reason.ordinal()] = bank.counter("tracker_http_errors",
                    "HTTP requests not served as asked, by reason (bad input, limits, access list, busy)",
                    "reason", reason.label);
            }
            for (int v = 0; v < 2; v++) {
                String version = v == 0 ? "4" : "6";
                bytesIn[v] = bank.counter("tracker_http_received_bytes", "HTTP bytes received (after TLS)",
                    "ip_version", version);
                bytesOut[v] = bank.counter("tracker_http_sent_bytes", "HTTP bytes sent (before TLS)",
                    "ip_version", version);
            }
            openConnections = bank.gauge("tracker_http_connections", "HTTP(S) connections open now");
            refusedConnections = bank.counter("tracker_http_connections_refused",
                "HTTP(S) connections closed at once because http.max_connections were open");
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

    HttpMetrics(Definitions definitions, MetricWriter loopWriter) {
        d = definitions;
        w = loopWriter;
    }

    void request(int type, boolean ipv6) {
        w.increment(d.requests[type * 2 + (ipv6 ? 1 : 0)]);
    }

    void response(int type, boolean ipv6) {
        w.increment(d.responses[type * 2 + (ipv6 ? 1 : 0)]);
    }

    void received(boolean ipv6, int bytes) {
        w.add(d.bytesIn[ipv6 ? 1 : 0], bytes);
    }

    void sent(boolean ipv6, int bytes) {
        w.add(d.bytesOut[ipv6 ? 1 : 0], bytes);
    }

    void error(Reason reason) {
        w.increment(d.errors[reason.ordinal()]);
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
