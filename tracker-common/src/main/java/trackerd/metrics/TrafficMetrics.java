package trackerd.metrics;

/**
 * The counters every front end keeps, in one model for all protocols (Prometheus names after
 * Micrometer adds {@code _total}):
 *
 * <pre>
 * tracker_requests_total{protocol, type, ip_version}     valid requests
 * tracker_responses_total{protocol, type, ip_version}    responses sent (type also "error" etc.)
 * tracker_errors_total{protocol, reason}                 requests not served as asked
 * tracker_received_bytes_total{protocol, ip_version}     payload bytes in
 * tracker_sent_bytes_total{protocol, ip_version}         payload bytes out
 * </pre>
 *
 * One {@link Definitions} per protocol and process; one {@code TrafficMetrics} per front end and
 * event loop, writing into that loop's {@link MetricWriter} (only on that loop).
 */
public final class TrafficMetrics {
    /** Metric indexes of one protocol, defined once per process. */
    public static final class Definitions {
        private final int[] requests;
        private final int[] responses;
        private final int[] errors;
        private final int[] bytesIn = new int[2];
        private final int[] bytesOut = new int[2];

        /**
         * @param types response types by index; the first {@code requestTypes} are also request types
         * @param reasons error reasons by index, as labels
         */
        public Definitions(MetricBank bank, String protocol, String[] types, int requestTypes, String[] reasons) {
            requests = new int[requestTypes * 2];
            responses = new int[types.length * 2];
            errors = new int[reasons.length];
            for (int type = 0; type < types.length; type++) {
                for (int v = 0; v < 2; v++) {
                    String version = v == 0 ? "4" : "6";
                    if (type < requestTypes) {
                        requests[type * 2 + v] = bank.counter("tracker_requests",
                            "Valid requests by protocol, type and client IP version",
                            "protocol", protocol, "type", types[type], "ip_version", version);
                    }
                    responses[type * 2 + v] = bank.counter("tracker_responses",
                        "Responses sent by protocol, type and client IP version",
                        "protocol", protocol, "type", types[type], "ip_version", version);
                }
            }
            for (int r = 0; r < reasons.length; r++) {
                errors[r] = bank.counter("tracker_errors",
                    "Requests not served as asked, by protocol and reason (bad input, limits, access list, busy)",
                    "protocol", protocol, "reason", reasons[r]);
            }
            for (int v = 0; v < 2; v++) {
                String version = v == 0 ? "4" : "6";
                bytesIn[v] = bank.counter("tracker_received_bytes", "Payload bytes received (after TLS)",
                    "protocol", protocol, "ip_version", version);
                bytesOut[v] = bank.counter("tracker_sent_bytes", "Payload bytes sent (before TLS)",
                    "protocol", protocol, "ip_version", version);
            }
        }
    }

    private final Definitions d;
    private final MetricWriter w;

    public TrafficMetrics(Definitions definitions, MetricWriter loopWriter) {
        d = definitions;
        w = loopWriter;
    }

    public void request(int type, boolean ipv6) {
        w.increment(d.requests[type * 2 + (ipv6 ? 1 : 0)]);
    }

    public void response(int type, boolean ipv6) {
        w.increment(d.responses[type * 2 + (ipv6 ? 1 : 0)]);
    }

    public void received(boolean ipv6, int bytes) {
        w.add(d.bytesIn[ipv6 ? 1 : 0], bytes);
    }

    public void sent(boolean ipv6, int bytes) {
        w.add(d.bytesOut[ipv6 ? 1 : 0], bytes);
    }

    public void error(int reason) {
        w.increment(d.errors[reason]);
    }

    /** Labels for an enum's constants: lower-case names. */
    public static String[] labels(Enum<?>[] values) {
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i].name().toLowerCase(java.util.Locale.ROOT);
        return out;
    }
}
