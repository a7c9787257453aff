package trackerd.loadtest;

/**
 * One connection (or UDP socket) of a {@link LoadWorker}, whatever the protocol. Called only on
 * the worker's event loop.
 */
interface LoadSession {
    /** Connect phase: open the connection (or send the UDP connect). */
    void start(long now);

    /** Connect phase, every 100 ms until every session is connected: try again what failed. */
    void retry(long now, long timeoutNanos);

    /** Ready for requests: a UDP connection id, an open TCP connection, a finished handshake. */
    boolean connected();

    /** Whether a request can go now without waiting for a reply. */
    boolean canSend();

    /**
     * Sends one request. {@code intendedNanos} is when the schedule wanted it sent (the send
     * time itself in saturation mode); latency counts from there.
     */
    void send(long intendedNanos, long now);

    /** Pushes written requests to the socket. */
    void flush();

    /** Gives up on requests older than the timeout, counting each. */
    void expire(long now, long timeoutNanos);

    /** No request in flight. */
    boolean idle();
}
