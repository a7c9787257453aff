package trackerd.udp.server;

import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;

/** UDP counters of one socket, written into its event loop's writer (only on that loop). */
final class UdpMetrics {
    static final int CONNECT = 0;
    static final int ANNOUNCE = 1;
    static final int SCRAPE = 2;
    static final int ERROR = 3;
    private static final String[] TYPES = {"connect", "announce", "scrape", "error"};

    /** Why a request was not served; dropped ones get no reply. */
    enum Reason {
        TOO_SHORT, BAD_PROTOCOL_ID, BAD_CONNECTION_ID, UNKNOWN_ACTION, ANNOUNCE_TOO_SHORT, INVALID_PORT,
        INVALID_EVENT, BAD_SCRAPE_LENGTH, TOO_MANY_HASHES, FORBIDDEN, TOO_MANY_TORRENTS, TOO_MANY_PEERS,
        INTERNAL, QUEUE_FULL, NO_FREE_SLOT, TOO_MANY_NEW_TORRENTS, TRACKER_FULL_OF_PEERS;

        final String label = name().toLowerCase();
    }

    /** Indexes into every writer, defined once per process. */
    static final class Definitions {
        final int[] requests = new int[6];
        final int[] responses = new int[8];
        final int[] errors = new int[Reason.values().length];
        final int[] bytesIn = new int[2];
        final int[] bytesOut = new int[2];

        Definitions(MetricBank bank) {
            for (int type = 0; type < 4; type++) {
                for (int v = 0; v < 2; v++) {
                    String version = v == 0 ? "4" : "6";
                    if (type < 3) {
                        requests[type * 2 + v] = bank.counter("tracker_udp_requests",
                            "Valid UDP requests by type and IP version", "type", TYPES[type], "ip_version", version);
                    }
                    responses[type * 2 + v] = bank.counter("tracker_udp_responses",
                        "UDP responses sent by type and IP version", "type", TYPES[type], "ip_version", version);
                }
            }
            for (Reason reason : Reason.values()) {
                errors[reason.ordinal()] = bank.counter("tracker_udp_errors",
                    "UDP requests not served, by reason (bad input, limits, access list, busy)", "reason", reason.label);
            }
            for (int v = 0; v < 2; v++) {
                String version = v == 0 ? "4" : "6";
                bytesIn[v] = bank.counter("tracker_udp_received_bytes", "UDP payload bytes received", "ip_version", version);
                bytesOut[v] = bank.counter("tracker_udp_sent_bytes", "UDP payload bytes sent", "ip_version", version);
            }
        }
    }

    private final Definitions d;
    private final MetricWriter w;

    UdpMetrics(Definitions definitions, MetricWriter loopWriter) {
        d = definitions;
        w = loopWriter;
    }

    void request(int type, boolean ipv6) {
        int v = ipv6 ? 1 : 0;
        w.increment(d.requests[type * 2 + v]);
    }

    void received(boolean ipv6, int bytes) {
        w.add(d.bytesIn[ipv6 ? 1 : 0], bytes);
    }

    void response(int type, boolean ipv6, int bytes) {
        int v = ipv6 ? 1 : 0;
        w.increment(d.responses[type * 2 + v]);
        w.add(d.bytesOut[v], bytes);
    }

    void error(Reason reason) {
        w.increment(d.errors[reason.ordinal()]);
    }
}
