package trackerd.http.protocol;

/**
 * The part of every announce reply that only the configuration decides, bencoded once:
 * {@code e8:intervali<interval>e12:min intervali<min interval>e5:peers} (the {@code e} closes the
 * integer before it, {@code incomplete}'s). {@link HttpTrackerResponseEncoder} copies it whole
 * instead of writing two keys and two integers per reply. Immutable, thread-safe.
 */
public final class AnnounceIntervals {
    private final int intervalSeconds;
    private final int minIntervalSeconds;
    private final byte[] bytes;

    /**
     * @param intervalSeconds BEP 3 {@code interval}, seconds between announces
     * @param minIntervalSeconds {@code min interval}, seconds a client must wait at least
     */
    public AnnounceIntervals(int intervalSeconds, int minIntervalSeconds) {
        this.intervalSeconds = intervalSeconds;
        this.minIntervalSeconds = minIntervalSeconds;
        this.bytes = Bencode.ascii("e8:intervali" + intervalSeconds + "e12:min intervali" + minIntervalSeconds
            + "e5:peers");
    }

    public int intervalSeconds() {
        return intervalSeconds;
    }

    public int minIntervalSeconds() {
        return minIntervalSeconds;
    }

    /** The bencoded bytes; never modify them. */
    byte[] bytes() {
        return bytes;
    }
}
