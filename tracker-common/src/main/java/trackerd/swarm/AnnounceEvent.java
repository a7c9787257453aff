package trackerd.swarm;

/**
 * The {@code event} of an announce, in BEP 15's numbering ({@link #ordinal()} is the wire value).
 * BEP 21's {@code paused} is no event of its own: a paused peer is counted as a seeder.
 */
public enum AnnounceEvent {
    /** A regular re-announce (BEP 3: absent or empty). */
    NONE,
    /** The download finished: the peer becomes a seeder and one download is counted. */
    COMPLETED,
    /** The first announce of a session. */
    STARTED,
    /** The peer leaves the swarm at once. */
    STOPPED;

    private static final AnnounceEvent[] BY_BEP15 = values();

    /** The event for a BEP 15 wire value 0-3, or null for any other value. */
    public static AnnounceEvent ofBep15(int value) {
        return value >= 0 && value < BY_BEP15.length ? BY_BEP15[value] : null;
    }
}
