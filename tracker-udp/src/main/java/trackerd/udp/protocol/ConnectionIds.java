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
 * window = seconds since start / 60
 * </pre>
 *
 * The 128-bit key is random per process, so ids are unforgeable and die with a restart. The
 * window travels in the id, so checking costs one hash; ids of the current and the previous
 * window are accepted. The port is left out on purpose: NATs may change it between requests.
 * A forger has to guess 48 bits per address per window. One instance per thread.
 */
public final class ConnectionIds {
    static final long WINDOW_SECONDS = 60;
    private static final long MAC_MASK = 0x0000_FFFF_FFFF_FFFFL;
    private final SipHash24 sip;

    /** A generator with a fresh random key. Share the key across threads with {@link #withKey}. */
    public static long[] newKey() {
        SecureRandom random = new SecureRandom();
        return new long[] {random.nextLong(), random.nextLong()};
    }

    public static ConnectionIds withKey(long[] key) {
        return new ConnectionIds(new SipHash24(key[0], key[1]));
    }

    private ConnectionIds(SipHash24 sip) {
        this.sip = sip;
    }

    /** @param ip0 IPv4 address in the low 32 bits, or IPv6 bits 127..64 @param ip1 IPv6 bits 63..0 */
    public long issue(long nowSeconds, long ip0, long ip1) {
        long window = nowSeconds / WINDOW_SECONDS;
        return (window << 48) | mac(window, ip0, ip1);
    }

    public boolean valid(long id, long nowSeconds, long ip0, long ip1) {
        long current = nowSeconds / WINDOW_SECONDS;
        long window = current - (((current & 0xFFFF) - (id >>> 48)) & 0xFFFF);
        if (window != current && window != current - 1) return false;
        // xor-compare reads every bit: no early exit for a forger to time
        return ((mac(window, ip0, ip1) ^ id) & MAC_MASK) == 0;
    }

    private long mac(long window, long ip0, long ip1) {
        return sip.hash(window, ip0, ip1) >>> 16;
    }
}
