package trackerd.loadtest;

import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Recorder;

/**
 * One worker's counts and latencies. The worker's event loop writes; the progress printer and
 * the report read. Counts are ordered stores (no lock); latencies go to an HdrHistogram
 * {@link Recorder}, whose interval histograms are read without stopping the writer.
 */
final class WorkerStats {
    static final int SENT = 0;         // + type
    static final int ANSWERED = 3;     // + type
    static final int ERROR_REPLIES = 6;
    static final int INVALID_REPLIES = 7;
    static final int TIMEOUTS = 8;
    static final int LATE_REPLIES = 9;
    static final int PEERS_RECEIVED = 10;
    static final int BEHIND_SCHEDULE = 11;
    /** TCP connections opened in the measured window (http, ws). */
    static final int CONNECTIONS_OPENED = 12;
    /** ws: offers the tracker relayed to this tool's peers, answers they sent back, answers relayed to them. */
    static final int OFFERS_RECEIVED = 13;
    static final int ANSWERS_SENT = 14;
    static final int ANSWERS_RECEIVED = 15;
    /** TCP connects that failed (refused, timed out) in the measured window. */
    static final int CONNECT_FAILURES = 16;
    static final int SIZE = 17;

    /** Latencies in nanoseconds, up to a minute, three significant digits. */
    final Recorder latency = new Recorder(60_000_000_000L, 3);
    private final AtomicLongArray counts = new AtomicLongArray(SIZE);
    /** The first error message a tracker sent, for the report. */
    volatile String firstError;
    volatile String firstInvalid;
    volatile String firstConnectFailure;

    /** A reply that does not fit its request (or none came on a broken connection). */
    void invalid(String problem) {
        increment(INVALID_REPLIES);
        if (firstInvalid == null) firstInvalid = problem;
    }

    /** A reply in which the tracker reports an error; {@code message} may be null once one is kept. */
    void errorReply(String message) {
        increment(ERROR_REPLIES);
        if (firstError == null) firstError = message;
    }

    /** A TCP connect, TLS or WebSocket handshake that failed; counted only inside the measured window. */
    void connectFailed(String reason, boolean counted) {
        if (counted) increment(CONNECT_FAILURES);
        if (firstConnectFailure == null) firstConnectFailure = reason;
    }

    void add(int index, long amount) {
        counts.lazySet(index, counts.get(index) + amount);
    }

    void increment(int index) {
        add(index, 1);
    }

    long get(int index) {
        return counts.get(index);
    }
}
