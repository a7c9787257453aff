package trackerd.ws.server;

import java.util.ArrayList;
import java.util.List;
import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;
import trackerd.metrics.TrafficMetrics;
import trackerd.ws.protocol.WsDecodeStatus;

/**
 * WebTorrent counters of one event loop, written into its loop's single writer (only on that
 * loop). Definitions are made once per process ({@link Definitions}), so counting is an array
 * index and an add: no allocation, no lookup.
 *
 * <p>Messages are counted in the protocol-wide families of {@link TrafficMetrics} with
 * {@code protocol="ws"}: announces and scrapes (an answer is an announce, without a reply of its
 * own) by the connection's IP version, their replies ({@code announce}, {@code scrape},
 * {@code failure}), errors by reason (the decoder's statuses and {@link Reason}), and text and
 * binary frame payload bytes in and out (relayed offers and answers included, by the recipient's
 * IP version; frame headers, the upgrade request and control frames not). What only WebTorrent
 * has stays in its own family: {@code tracker_ws_relays} (what became of each relayed offer and
 * answer).
 */
final class WsMetrics {
    static final int ANNOUNCE = 0;
    static final int SCRAPE = 1;
    /** A {@code "failure reason"} reply. */
    static final int FAILURE = 2;
    private static final String[] TYPES = {"announce", "scrape", "failure"};
    private static final int REQUEST_TYPES = 2;

    static final int RELAY_OFFER = 0;
    static final int RELAY_ANSWER = 1;
    /** What became of a relayed message. */
    static final int DELIVERED = 0;
    /** The destination loop's inbox was full. */
    static final int INBOX_FULL = 1;
    /** The origin loop's pool of relay buffers was empty (too many relays in flight). */
    static final int POOL_EMPTY = 2;
    /** The recipient's connection closed before the message reached it. */
    static final int CLOSED = 3;
    /** The recipient is another cluster node's peer: handed to the cluster's relay queue. */
    static final int OTHER_NODE = 4;
    /** The recipient is another node's, and the cluster's relay queue was full (dropped). */
    static final int NODE_QUEUE_FULL = 5;
    private static final String[] RESULTS = {"delivered", "inbox_full", "pool_empty", "closed", "other_node",
        "node_queue_full"};

    /** Why a message was refused or a connection closed, beyond the decoder's statuses. */
    enum Reason {
        BINARY_FRAME, FRAME_TOO_LARGE, PROTOCOL_ERROR, IDLE_TIMEOUT, MAX_CONNECTIONS, BUSY, FORBIDDEN,
        FULL_SCRAPE, PEER_ID_TAKEN, ONE_PEER_ID_PER_TORRENT, TOO_MANY_TORRENTS_PER_CONNECTION, TOO_MANY_TORRENTS,
        TOO_MANY_PEERS, TOO_MANY_NEW_TORRENTS, TRACKER_FULL_OF_PEERS, NO_PENDING_OFFER, INTERNAL, CLOSE_COMMAND_LOST;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Indexes into every writer, defined once per process. */
    static final class Definitions {
        final TrafficMetrics.Definitions traffic;
        final int connections;
        final int[] relays = new int[2 * RESULTS.length];
        /** Error index (into {@code traffic}'s reasons) by decoder status, and by {@link Reason}. */
        final int[] decodeErrors = new int[WsDecodeStatus.COUNT];
        final int[] errors = new int[Reason.values().length];

        Definitions(MetricBank bank) {
            // one label, one counter: a decoder status and a Reason of the same name
            // (frame_too_large) share it
            List<String> reasons = new ArrayList<>();
            for (int s = 1; s < WsDecodeStatus.COUNT; s++) decodeErrors[s] = indexOf(reasons, WsDecodeStatus.name(s));
            for (Reason reason : Reason.values()) errors[reason.ordinal()] = indexOf(reasons, reason.label);
            traffic = new TrafficMetrics.Definitions(bank, "ws", TYPES, REQUEST_TYPES, reasons.toArray(new String[0]));
            connections = bank.gauge("tracker_connections", "Connections open now, by protocol", "protocol", "ws");
            for (int k = 0; k < 2; k++) {
                for (int r = 0; r < RESULTS.length; r++) {
                    relays[k * RESULTS.length + r] = bank.counter("tracker_ws_relays",
                        "Offers and answers the swarms routed, by what became of them (inbox_full, pool_empty, "
                        + "node_queue_full: dropped; other_node: sent to the cluster node that holds the recipient)",
                        "kind", k == 0 ? "offer" : "answer", "result", RESULTS[r]);
                }
            }
        }

        private static int indexOf(List<String> labels, String label) {
            int at = labels.indexOf(label);
            if (at >= 0) return at;
            labels.add(label);
            return labels.size() - 1;
        }
    }

    private final Definitions d;
    private final MetricWriter w;
    /**
     * Requests ({@link #ANNOUNCE}, {@link #SCRAPE}: messages that decoded) and replies to the
     * asking connection ({@link #ANNOUNCE}, {@link #SCRAPE}, {@link #FAILURE}) by its IP version,
     * data-frame payload bytes in and out; errors go through {@link #decodeError} and {@link #error}.
     */
    final TrafficMetrics traffic;
    private long open;

    WsMetrics(Definitions definitions, MetricWriter loopWriter) {
        d = definitions;
        w = loopWriter;
        traffic = new TrafficMetrics(definitions.traffic, loopWriter);
    }

    void opened() {
        w.set(d.connections, ++open);
    }

    void closed() {
        w.set(d.connections, --open);
    }

    void relay(int kind, int result) {
        w.increment(d.relays[kind * RESULTS.length + result]);
    }

    void decodeError(int status) {
        traffic.error(d.decodeErrors[status]);
    }

    void error(Reason reason) {
        traffic.error(d.errors[reason.ordinal()]);
    }
}
