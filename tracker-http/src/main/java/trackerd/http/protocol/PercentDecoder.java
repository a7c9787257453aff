package trackerd.http.protocol;

/**
 * Percent-decodes a query value from the request target's bytes to raw bytes, never through a
 * String: {@code info_hash} and {@code peer_id} are binary and most of them are not valid UTF-8,
 * which is exactly what {@code QueryStringDecoder}/{@code URLDecoder} corrupt.
 *
 * <p>Rules: {@code %XX} (either case) is the byte 0xXX; every other byte stands for itself,
 * including {@code +}. Real clients (libtorrent, Transmission, aria2, qBittorrent) escape every
 * byte outside RFC 3986's unreserved set, so they never send a bare {@code +}; a hand-made URL that
 * does means the byte 0x2B, and that is also what opentracker decodes it to
 * ({@code scan_urlencoded_query.c} has no form-encoding {@code +}-to-space rule). A {@code %}
 * without two hex digits after it (at the end, {@code %4}, {@code %zz}) fails the whole value.
 *
 * <p>Stateless, thread-safe, allocation-free.
 */
public final class PercentDecoder {
    /** Hex digit value of each byte, -1 for non-hex. */
    private static final byte[] HEX = new byte[256];

    static {
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 10; i++) HEX['0' + i] = (byte) i;
        for (int i = 0; i < 6; i++) {
            HEX['a' + i] = (byte) (10 + i);
            HEX['A' + i] = (byte) (10 + i);
        }
    }

    private PercentDecoder() {}

    /** The value of a hex digit byte, or -1. */
    static int hexValue(int b) {
        return HEX[b & 0xFF];
    }

    /**
     * Decodes bytes {@code [from, to)} of {@code in} into {@code out[0..]}.
     *
     * @return the number of bytes decoded, or -1 if a {@code %} escape is malformed or the value
     *     decodes to more than {@code out.length} bytes (it fails, it is not cut short)
     */
    public static int decode(byte[] in, int from, int to, byte[] out) {
        int n = 0;
        int i = from;
        while (i < to) {
            int b = in[i];
            if (n == out.length) return -1;
            if (b == '%') {
                if (i + 3 > to) return -1;
                int hi = HEX[in[i + 1] & 0xFF];
                int lo = HEX[in[i + 2] & 0xFF];
                if ((hi | lo) < 0) return -1;
                out[n++] = (byte) (hi << 4 | lo);
                i += 3;
            } else {
                out[n++] = (byte) b;
                i++;
            }
        }
        return n;
    }

    /**
     * Decodes exactly 20 bytes (an info hash or a peer id) into {@code out}.
     *
     * @return false if the value is malformed or decodes to any other length (19, 21, ...)
     */
    public static boolean decode20(byte[] in, int from, int to, byte[] out) {
        // Fast reject: 20 bytes take 20 to 60 characters.
        int chars = to - from;
        if (chars < 20 || chars > 60) return false;
        // decode() fails on a 21st byte rather than drop it, so == 20 means exactly 20.
        return decode(in, from, to, out) == 20;
    }

    /** Bytes 0-7 of a 20-byte hash as a big-endian long. */
    static long word0(byte[] h) {
        return longAt(h, 0);
    }

    /** Bytes 8-15 as a big-endian long. */
    static long word1(byte[] h) {
        return longAt(h, 8);
    }

    /** Bytes 16-19 as a big-endian int. */
    static int word2(byte[] h) {
        return (h[16] & 0xFF) << 24 | (h[17] & 0xFF) << 16 | (h[18] & 0xFF) << 8 | (h[19] & 0xFF);
    }

    private static long longAt(byte[] h, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | (h[at + i] & 0xFF);
        return v;
    }
}
