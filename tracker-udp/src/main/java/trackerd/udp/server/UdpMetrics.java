package trackerd.udp.server;

import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;
import trackerd.metrics.TrafficMetrics;

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
        INTERNAL, QUEUE_FULL, NO_FREE_SLOT, TOO_MANY_NEW_TORRENTS, TRACKER_FULL_OF_PEERS
    }

    /** Indexes into every writer, defined once per process. */
    static final class Definitions {
        final TrafficMetrics.Definitions traffic;

        Definitions(MetricBank bank) {
            traffic = new TrafficMetrics.Definitions(bank, "udp", TYPES, 3, TrafficMetrics.labels(Reason.values()));
        }
    }

    private final TrafficMetrics t;

    UdpMetrics(Definitions definitions, MetricWriter loopWriter) {
        t = new TrafficMetrics(definitions.traffic, loopWriter);
    }

    void request(int type, boolean ipv6) {
        t.request(type, ipv6);
    }

    void received(boolean ipv6, int bytes) {
        t.received(ipv6, bytes);
    }

    void response(int type, boolean ipv6, int bytes) {
        t.response(type, ipv6);
        t.sent(ipv6, bytes);
    }

    void error(Reason reason) {
        t.error(reason.ordinal());
    }
}
