package trackerd.http.protocol;

/**
 * Case-insensitive HTTP header name matching straight on the bytes (RFC 9110: field names are
 * case-insensitive ASCII tokens), for the few headers a tracker reads. Stateless, thread-safe,
 * allocation-free.
 */
public final class HeaderNames {
    public static final byte[] CONNECTION = Bencode.ascii("connection");
    public static final byte[] X_FORWARDED_FOR = Bencode.ascii("x-forwarded-for");
    public static final byte[] X_REAL_IP = Bencode.ascii("x-real-ip");
    public static final byte[] UPGRADE = Bencode.ascii("upgrade");

    private HeaderNames() {}

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
}
