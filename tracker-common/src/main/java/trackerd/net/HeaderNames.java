package trackerd.net;

import java.nio.charset.StandardCharsets;

/**
 * Case-insensitive HTTP header name and token matching straight on the bytes (RFC 9110: field
 * names and {@code Connection} options are case-insensitive ASCII tokens), for the few headers the
 * tracker reads in requests and the load tester in replies. Stateless, thread-safe, allocation-free.
 */
public final class HeaderNames {
    public static final byte[] CONNECTION = ascii("connection");
    public static final byte[] X_FORWARDED_FOR = ascii("x-forwarded-for");
    public static final byte[] X_REAL_IP = ascii("x-real-ip");
    public static final byte[] UPGRADE = ascii("upgrade");
    public static final byte[] CONTENT_LENGTH = ascii("content-length");
    public static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    /** {@code Connection} options (tokens, not header names). */
    public static final byte[] CLOSE = ascii("close");
    public static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private HeaderNames() {}

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Whether {@code length} bytes at {@code from} spell {@code lowerCaseName} in any case.
     *
     * @param lowerCaseName a lower-case ASCII name, such as the constants here
     */
    public static boolean matches(byte[] in, int from, int length, byte[] lowerCaseName) {
        if (length != lowerCaseName.length) return false;
        for (int i = 0; i < length; i++) {
            int b = in[from + i];
            // ASCII upper-case letters only; folding other bytes could match non-letters
            if (b >= 'A' && b <= 'Z') b += 'a' - 'A';
            if (b != lowerCaseName[i]) return false;
        }
        return true;
    }

    /**
     * Whether the comma-separated list in {@code [from, to)} (a {@code Connection} or {@code Upgrade}
     * value, RFC 9110 5.6.1) holds {@code token}, ignoring case and the spaces around items.
     *
     * @param token a lower-case ASCII token
     */
    public static boolean hasToken(byte[] in, int from, int to, byte[] token) {
        int i = from;
        while (i < to) {
            int comma = ByteScan.indexOf(in, i, to, (byte) ',');
            int end = comma < 0 ? to : comma;
            int s = i;
            while (s < end && isSpace(in[s])) s++;
            int e = end;
            while (e > s && isSpace(in[e - 1])) e--;
            if (matches(in, s, e - s, token)) return true;
            i = end + 1;
        }
        return false;
    }

    /** Optional whitespace (RFC 9110 5.6.3): a space or a tab. */
    public static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }
}
