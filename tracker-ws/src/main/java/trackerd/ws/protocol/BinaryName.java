package trackerd.ws.protocol;

import com.fasterxml.jackson.core.SerializableString;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * A {@link BinaryId} as a JSON object key (the info hashes of a scrape reply's {@code files}).
 * jackson writes String keys only, and a String per key is what the hot path must not make, so
 * this escapes the 20 bytes itself, exactly as jackson's {@code writeString} and JavaScript's
 * {@code JSON.stringify} write chars 0-255 (the test holds it to both): {@code \b \t \n \f \r},
 * {@code \"} and {@code \\} short, other control chars as {@code &#92;u00xx} (lower-case hex, as JSON.stringify; the encoder sets jackson to match), 0x20-0x7F as is,
 * 0x80-0xFF as two-byte UTF-8. Mutable and reused; one thread.
 */
final class BinaryName implements SerializableString {
    /** 20 chars of at most 6 bytes ({@code &#92;u00XX}). */
    static final int MAX_ESCAPED_LENGTH = 6 * BinaryId.LENGTH;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final BinaryId id = new BinaryId();

    /** Escaped UTF-8 of byte {@code b} (0-255) into {@code out} at {@code at}; returns the new position. */
    static int escape(int b, byte[] out, int at) {
        if (b >= 0x80) {
            out[at] = (byte) (0xC0 | (b >> 6));
            out[at + 1] = (byte) (0x80 | (b & 0x3F));
            return at + 2;
        }
        if (b >= 0x20) {
            if (b == '"' || b == '\\') {
                out[at] = '\\';
                out[at + 1] = (byte) b;
                return at + 2;
            }
            out[at] = (byte) b;
            return at + 1;
        }
        char shortForm = switch (b) {
            case '\b' -> 'b';
            case '\t' -> 't';
            case '\n' -> 'n';
            case '\f' -> 'f';
            case '\r' -> 'r';
            default -> 0;
        };
        out[at] = '\\';
        if (shortForm != 0) {
            out[at + 1] = (byte) shortForm;
            return at + 2;
        }
        out[at + 1] = 'u';
        out[at + 2] = '0';
        out[at + 3] = '0';
        out[at + 4] = HEX[b >> 4];
        out[at + 5] = HEX[b & 0xF];
        return at + 6;
    }

    private int escapedLength() {
        int n = 0;
        for (int i = 0; i < BinaryId.LENGTH; i++) {
            int b = id.byteAt(i);
            if (b >= 0x80) n += 2;
            else if (b == '"' || b == '\\') n += 2;
            else if (b >= 0x20) n += 1;
            else if (b == '\b' || b == '\t' || b == '\n' || b == '\f' || b == '\r') n += 2;
            else n += 6;
        }
        return n;
    }

    /** The generator's fast path: escape straight into its buffer, or -1 if there is no room. */
    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
        if (buffer.length - offset < escapedLength()) return -1;
        int at = offset;
        for (int i = 0; i < BinaryId.LENGTH; i++) at = escape(id.byteAt(i), buffer, at);
        return at - offset;
    }

    /** The slow path (the generator's buffer nearly full): allocates; the encoder flushes early to avoid it. */
    @Override
    public byte[] asQuotedUTF8() {
        byte[] out = new byte[escapedLength()];
        appendQuotedUTF8(out, 0);
        return out;
    }

    /**
     * jackson passes this to its write context for duplicate-key checks, which are off; a
     * constant keeps the hot path free of a String per key.
     */
    @Override
    public String getValue() {
        return "info_hash";
    }

    @Override
    public int charLength() {
        return BinaryId.LENGTH;
    }

    @Override
    public char[] asQuotedChars() {
        throw new UnsupportedOperationException("byte-based generators only");
    }

    @Override
    public byte[] asUnquotedUTF8() {
        throw new UnsupportedOperationException("keys are always escaped");
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
        return -1;
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
        return -1;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
        return -1;
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
        throw new UnsupportedOperationException("byte-based generators only");
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) {
        throw new UnsupportedOperationException("keys are always escaped");
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
        return -1;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer out) {
        return -1;
    }
}
