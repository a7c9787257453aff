package trackerd.udp.protocol;

import java.security.SecureRandom;

/**
 * Stateless BEP 15 connection ids. A connect reply is the only answer the tracker sends to an
 * address it has not verified, and it is 16 bytes, so it cannot amplify a spoofed flood. Every
 * other request must carry an id the tracker gave to the same IP address within the last one
 * to two minutes; without one, it gets no swarm work and no answer.
 *
 * <pre>
 * id = [63..48: window mod 2^16][47..0: top 48 bits of SipHash-2-4(key, window, ip)]
 * window = wall-clock seconds / 60 (the clock's start anchor plus monotonic seconds since start)
 * </pre>
 *
 * The 128-bit key is random (SecureRandom), so ids are unforgeable. With {@code state.path} set
 * the key is kept there (mode 0600) and windows count wall-clock minutes, so ids issued just
 * before a restart stay valid after it; without it the key is new per process and ids die with
 * a restart. Within a process the window only moves with the monotonic clock. The window travels
 * in the id, so checking costs one hash; ids of the current and the previous window are accepted. The port is left out on purpose: NATs may change it between requests.
 * A forger has to guess 48 bits per address per window. One instance per thread.
 */
public final class ConnectionIds {
    static final long WINDOW_SECONDS = 60;
    private static final long MAC_MASK = 0x0000_FFFF_FFFF_FFFFL;
    private final SipHash24 sip;
    private final long epochOffsetSeconds;

    /** A generator with a fresh random key. Share the key across threads with {@link #withKey}. */
    public static long[] newKey() {
        SecureRandom random = new SecureRandom();
        return new long[] {random.nextLong(), random.nextLong()};
    }

    /** Windows counted from the process start (ids die with it unless the offset is kept). */
    public static ConnectionIds withKey(long[] key) {
        return withKey(key, 0);
    }

    /**
     * @param epochOffsetSeconds added to every {@code nowSeconds}: the wall-clock seconds at the
     *     clock's start ({@code TrackerClock.epochSecondsAt(0)}), so windows are wall-clock minutes
     *     and a restarted process with the same key accepts the ids of the one before
     */
    public static ConnectionIds withKey(long[] key, long epochOffsetSeconds) {
        return new ConnectionIds(new SipHash24(key[0], key[1]), epochOffsetSeconds);
    }

    private ConnectionIds(SipHash24 sip, long epochOffsetSeconds) {
        this.sip = sip;
        this.epochOffsetSeconds = epochOffsetSeconds;
    }

    /** @param ip0 IPv4 address in the low 32 bits, or IPv6 bits 127..64 @param ip1 IPv6 bits 63..0 */
    public long issue(long nowSeconds, long ip0, long ip1) {
        long window = (nowSeconds + epochOffsetSeconds) / WINDOW_SECONDS;
        return (window << 48) | mac(window, ip0, ip1);
    }

    public boolean valid(long id, long nowSeconds, long ip0, long ip1) {
        long current = (nowSeconds + epochOffsetSeconds) / WINDOW_SECONDS;
        long window = current - (((current & 0xFFFF) - (id >>> 48)) & 0xFFFF);
        if (window != current && window != current - 1) return false;
        // xor-compare reads every bit: no early exit for a forger to time
        return ((mac(window, ip0, ip1) ^ id) & MAC_MASK) == 0;
    }

    private long mac(long window, long ip0, long ip1) {
        return sip.hash(window, ip0, ip1) >>> 16;
    }
}
