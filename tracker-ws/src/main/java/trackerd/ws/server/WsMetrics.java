package trackerd.ws.server;

import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;
import trackerd.ws.protocol.WsDecodeStatus;

/**
 * WebTorrent counters of one event loop, written into its loop's single writer (only on that
 * loop). Definitions are made once per process ({@link Definitions}).
 */
final class WsMetrics {
    static final int IN_ANNOUNCE = 0;
    static final int IN_SCRAPE = 1;
    static final int IN_INVALID = 2;
    private static final String[] IN = {"announce", "scrape", "invalid"};

    static final int OUT_ANNOUNCE = 0;
    static final int OUT_SCRAPE = 1;
    static final int OUT_OFFER = 2;
    static final int OUT_ANSWER = 3;
    static final int OUT_FAILURE = 4;
    private static final String[] OUT = {"announce", "scrape", "offer", "answer", "failure"};

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

        final String label = name().toLowerCase();
    }

    static final class Definitions {
        final int connections;
        final int[] in = new int[IN.length];
        final int[] out = new int[OUT.length];
        final int[] relays = new int[2 * RESULTS.length];
        final int[] decodeErrors = new int[WsDecodeStatus.COUNT];
        final int[] errors = new int[Reason.values().length];

        Definitions(MetricBank bank) {
            connections = bank.gauge("tracker_connections", "Connections open now, by protocol", "protocol", "ws");
            for (int i = 0; i < IN.length; i++) {
                in[i] = bank.counter("tracker_ws_messages_received", "WebTorrent messages received by action",
                    "action", IN[i]);
            }
            for (int i = 0; i < OUT.length; i++) {
                out[i] = bank.counter("tracker_ws_messages_sent", "WebTorrent messages sent by kind", "kind", OUT[i]);
            }
            for (int k = 0; k < 2; k++) {
                for (int r = 0; r < RESULTS.length; r++) {
                    relays[k * RESULTS.length + r] = bank.counter("tracker_ws_relays",
                        "Offers and answers the swarms routed, by what became of them (inbox_full, pool_empty, "
                        + "node_queue_full: dropped; other_node: sent to the cluster node that holds the recipient)",
                        "kind", k == 0 ? "offer" : "answer", "result", RESULTS[r]);
                }
            }
            for (int s = 1; s < WsDecodeStatus.COUNT; s++) {
                decodeErrors[s] = bank.counter("tracker_errors",
                    "Requests not served as asked, by protocol and reason (bad input, limits, access list, busy)",
                    "protocol", "ws", "reason", WsDecodeStatus.name(s));
            }
            for (Reason reason : Reason.values()) {
                errors[reason.ordinal()] = bank.counter("tracker_errors",
                    "Requests not served as asked, by protocol and reason (bad input, limits, access list, busy)",
                    "protocol", "ws", "reason", reason.label);
            }
        }
    }

    private final Definitions d;
    private final MetricWriter w;
    private long open;

    WsMetrics(Definitions definitions, MetricWriter loopWriter) {
        d = definitions;
        w = loopWriter;
    }

    void opened() {
        w.set(d.connections, ++open);
    }

    void closed() {
        w.set(d.connections, --open);
    }

    void received(int action) {
        w.increment(d.in[action]);
    }

    void sent(int kind) {
        w.increment(d.out[kind]);
    }

    void relay(int kind, int result) {
        w.increment(d.relays[kind * RESULTS.length + result]);
    }

    void decodeError(int status) {
        w.increment(d.decodeErrors[status]);
    }

    void error(Reason reason) {
        w.increment(d.errors[reason.ordinal()]);
    }
}
