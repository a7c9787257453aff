package trackerd.http.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The few bencode pieces the tracker writes (BEP 3): decimal integers written digit by digit
 * with no String, string length prefixes, and exact lengths of both so a reply can be sized
 * before it is written. Stateless, thread-safe.
 */
public final class Bencode {
    private Bencode() {}

    /** The bytes of an ASCII constant, for static final keys and bodies. */
    public static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Characters of {@code value} in decimal, with a '-' if negative ({@code Long.MIN_VALUE} excluded). */
    public static int decimalLength(long value) {
        int length = 1;
        if (value < 0) {
            length++;
            value = -value;
        }
        while (value >= 10) {
            value /= 10;
            length++;
        }
        return length;
    }

    /** Writes {@code value} in decimal ASCII, no String in between. */
    public static void writeDecimal(ByteBuf out, long value) {
        if (value < 0) {
            out.writeByte('-');
            value = -value;
        }
        int length = decimalLength(value);
        int at = out.writerIndex();
        out.ensureWritable(length);
        for (int i = at + length - 1; i >= at; i--) {
            out.setByte(i, (int) ('0' + value % 10));
            value /= 10;
        }
        out.writerIndex(at + length);
    }

    /** Length of a byte string's {@code <length>:} prefix. */
    public static int stringPrefixLength(int stringLength) {
        return decimalLength(stringLength) + 1;
    }

    /** Writes a byte string's {@code <length>:} prefix; the bytes follow. */
    public static void writeStringPrefix(ByteBuf out, int stringLength) {
        writeDecimal(out, stringLength);
        out.writeByte(':');
    }

    /** {@code i<value>e}: its length. */
    public static int integerLength(long value) {
        return decimalLength(value) + 2;
    }
}
