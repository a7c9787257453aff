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

    /**
     * Writes {@code value} in decimal ASCII, no String in between. Values of up to eight digits
     * (every count and interval a tracker writes) go out in one or two little-endian writes of
     * their digits packed into a long, instead of a bounds-checked call per digit.
     */
    public static void writeDecimal(ByteBuf out, long value) {
        if (value >= 0 && value < 100_000_000) {
            writeDigits(out, (int) value);
            return;
        }
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

    /** {@code value} in [0, 10^8): its digits as bytes of a long, the first digit lowest. */
    private static void writeDigits(ByteBuf out, int value) {
        int length = 1;
        long ascii = '0' + value % 10;
        for (int rest = value / 10; rest != 0; rest /= 10) {
            ascii = ascii << 8 | ('0' + rest % 10);
            length++;
        }
        switch (length) {
            case 1 -> out.writeByte((int) ascii);
            case 2 -> out.writeShortLE((int) ascii);
            case 3 -> out.writeMediumLE((int) ascii);
            case 4 -> out.writeIntLE((int) ascii);
            default -> {
                out.writeIntLE((int) ascii);
                long high = ascii >>> 32;
                switch (length) {
                    case 5 -> out.writeByte((int) high);
                    case 6 -> out.writeShortLE((int) high);
                    case 7 -> out.writeMediumLE((int) high);
                    default -> out.writeIntLE((int) high);
                }
            }
        }
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
